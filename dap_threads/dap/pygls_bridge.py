"""The one door to pygls: everything dap-threads takes from it, and every internal it relies on.

pygls gives the adapter its Content-Length framing loop (``pygls.io_.run_async``)
and the protocol object that loop feeds. DAP is not JSON-RPC (its messages
carry ``seq``/``type``/``command``, not ``jsonrpc``/``id``/``method``), so
:class:`FramedTransport` switches pygls's JSON-RPC interpretation off. It
touches three pygls internals, the reason pyproject.toml pins pygls to one
minor version; ``tests/unit/test_pygls_bridge.py`` fails, naming the internal,
when an upgrade moves any of them:

- ``JsonRPCProtocol.structure_message``: the ``object_hook`` of the loop's
  ``json.loads``; ours keeps every object a plain dict.
- ``JsonRPCProtocol.handle_message``: called with each decoded body; ours
  hands it to :meth:`FramedTransport.receive`.
- ``run_async(stop_event, reader, protocol, logger=...)``: reads header lines
  with ``reader.readline()`` until a ``Content-Length: N`` line and an empty
  line, then the body with ``reader.readexactly(N)``; lines that are not a
  Content-Length header are skipped; ``b""`` from either call ends the loop.
  ``framing.FrameReader`` relies on exactly that.

Outgoing frames do not go through pygls (``FrameWriter`` writes them), so its
``_send_data`` is never reached.

Import cost: pygls's ``protocol`` package imports lsprotocol (every LSP type
as an attrs class: about 230 ms, two thirds of the adapter's start-up) and
its language server, for a handful of names DAP never reaches. While pygls is
imported here, light stand-ins for those modules sit in ``sys.modules``; they
are removed afterwards, so anything that imports lsprotocol later gets the
real one. If lsprotocol is already loaded, nothing is stood in for.
"""

from __future__ import annotations

import logging
import sys
import threading
import types
from typing import Any, Protocol

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


def _import_pygls_without_lsp() -> None:
    if "pygls.server" in sys.modules or "lsprotocol.types" in sys.modules:
        return
    standins = {name: _StandIn(name, "dap-threads stand-in for an LSP-only module") for name in _STANDINS}
    lsprotocol: Any = standins["lsprotocol"]
    lsprotocol.__path__ = []
    lsprotocol.types = standins["lsprotocol.types"]
    lsprotocol.converters = standins["lsprotocol.converters"]
    sys.modules.update(standins)
    try:
        import pygls.io_
        import pygls.protocol
        import pygls.server  # noqa: F401  (imported for its side effect on sys.modules)
    finally:
        for name in _STANDINS:
            if sys.modules.get(name) is standins[name]:
                del sys.modules[name]
        # Package attributes that point at stand-ins are dropped, so that a
        # later real import of those modules replaces them.
        for package_name, attribute in (("pygls.protocol", "language_server"), ("pygls", "lsp")):
            package = sys.modules.get(package_name)
            if package is not None and isinstance(getattr(package, attribute, None), _StandIn):
                delattr(package, attribute)


_import_pygls_without_lsp()

from pygls.io_ import run_async  # noqa: E402  (after the stand-ins are in place)
from pygls.protocol import JsonRPCProtocol  # noqa: E402
from pygls.server import JsonRPCServer  # noqa: E402


def pygls_version() -> str:
    """The installed pygls version (for the pin's test; importlib.metadata costs ~10 ms of start-up)."""
    import importlib.metadata

    return importlib.metadata.version("pygls")


log = logging.getLogger(__name__)


class HeaderReader(Protocol):
    """What ``run_async`` reads from (see the module docstring for the contract)."""

    async def readline(self) -> bytes: ...

    async def readexactly(self, n: int) -> bytes: ...


class FramedTransport(JsonRPCProtocol):
    """pygls's protocol object with its JSON-RPC interpretation switched off."""

    def structure_message(self, data: dict[str, Any]) -> dict[str, Any]:
        # json.loads calls this for every nested object too: keep them all plain.
        return data

    def handle_message(self, message: Any) -> None:
        self.receive(message)

    def receive(self, message: Any) -> None:
        """One decoded frame body (any JSON value): for the subclass."""
        raise NotImplementedError


def new_transport(transport_class: type[FramedTransport], make_converter: Any) -> FramedTransport:
    """A fresh protocol object of ``transport_class``, owned by its own pygls server object."""
    protocol = JsonRPCServer(transport_class, make_converter).protocol
    assert isinstance(protocol, transport_class)
    return protocol


async def read_frames(reader: HeaderReader, transport: FramedTransport, stop: threading.Event) -> None:
    """Feed every frame from ``reader`` to ``transport`` until the input ends or ``stop`` is set."""
    await run_async(stop, reader, transport, logger=log)
