"""Import pygls's JSON-RPC machinery without the Language Server Protocol's type library.

pygls's ``protocol`` package imports lsprotocol (every LSP type as an attrs
class: about 230 ms, two thirds of the adapter's start-up) and its language
server, for a handful of names that DAP never reaches: the JSON-RPC cancel
and exit method names, and the JSON-RPC error classes. While pygls is being
imported, light stand-ins for those modules sit in ``sys.modules``; they are
removed again afterwards, so anything that imports lsprotocol later gets the
real one. If lsprotocol is already loaded, nothing is stood in for.

This touches pygls internals (which modules import what), one more reason
pyproject.toml pins pygls to a minor version; ``tests/test_startup.py``
checks the stand-ins still cover what pygls imports.
"""

from __future__ import annotations

import sys
import types
from typing import Any

import attrs

_STANDINS = (
    "lsprotocol",
    "lsprotocol.types",
    "lsprotocol.converters",
    "pygls.lsp",
    "pygls.protocol.language_server",
)

#: The few stood-in names whose value pygls uses at import time.
_VALUES = {"CANCEL_REQUEST": "$/cancelRequest", "EXIT": "exit"}


class _StandIn(types.ModuleType):
    """A module whose every name is a placeholder that refuses to be used."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if name in _VALUES:
            return _VALUES[name]
        module = self.__name__

        class Unused:
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                raise NotImplementedError(f"{module}.{name} is not available: dap-threads serves DAP, not LSP")

            @classmethod
            def __class_getitem__(cls, item: Any) -> Any:
                return cls

        Unused.__name__ = Unused.__qualname__ = name
        setattr(self, name, Unused)
        return Unused


def import_pygls() -> None:
    """Import pygls.io_, pygls.protocol and pygls.server, standing in for the LSP-only modules."""
    if "pygls.server" in sys.modules or "lsprotocol.types" in sys.modules:
        import pygls.io_  # noqa: F401
        import pygls.server  # noqa: F401

        return
    standins = {name: _StandIn(name, "dap-threads stand-in for an LSP-only module") for name in _STANDINS}
    standins["lsprotocol"].__path__ = []  # type: ignore[attr-defined]
    standins["lsprotocol"].types = standins["lsprotocol.types"]  # type: ignore[attr-defined]
    standins["lsprotocol"].converters = standins["lsprotocol.converters"]  # type: ignore[attr-defined]
    sys.modules.update(standins)
    try:
        import pygls.io_  # noqa: F401
        import pygls.protocol  # noqa: F401
        import pygls.server  # noqa: F401
    finally:
        for name in _STANDINS:
            if sys.modules.get(name) is standins[name]:
                del sys.modules[name]
        # Package attributes that point at stand-ins: dropped, so that a later
        # real import of those modules replaces them.
        for package_name, attribute in (("pygls.protocol", "language_server"), ("pygls", "lsp")):
            package = sys.modules.get(package_name)
            if package is not None and isinstance(getattr(package, attribute, None), _StandIn):
                delattr(package, attribute)
