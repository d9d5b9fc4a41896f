"""The pygls internals dap-threads relies on are where pygls_bridge says they are.

Fails, naming the internal, when a pygls upgrade moves one of them (see the
bridge's docstring); pyproject.toml pins pygls to the minor version these hold for.
"""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path

from dap_threads.dap import pygls_bridge

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_the_installed_pygls_is_inside_the_pinned_range() -> None:
    pin = re.search(r'"pygls>=(\d+)\.(\d+),<(\d+)\.(\d+)"', PYPROJECT.read_text())
    assert pin, "pyproject.toml no longer pins pygls as pygls>=X.Y,<X.Z"
    low, high = (int(pin[1]), int(pin[2])), (int(pin[3]), int(pin[4]))
    installed = tuple(int(part) for part in pygls_bridge.pygls_version().split(".")[:2])
    assert low <= installed < high, f"pygls {pygls_bridge.pygls_version()} is outside the pin {low}..{high}"


def test_json_rpc_protocol_still_has_the_two_hooks_the_bridge_overrides() -> None:
    from pygls.protocol import JsonRPCProtocol

    for name in ("structure_message", "handle_message"):
        assert callable(getattr(JsonRPCProtocol, name, None)), f"pygls JsonRPCProtocol lost {name}()"
    assert list(inspect.signature(JsonRPCProtocol.structure_message).parameters) == ["self", "data"]
    assert list(inspect.signature(JsonRPCProtocol.handle_message).parameters) == ["self", "message"]


def test_run_async_still_takes_stop_event_reader_protocol_and_logger() -> None:
    from pygls.io_ import run_async

    parameters = list(inspect.signature(run_async).parameters)
    assert parameters[:3] == ["stop_event", "reader", "protocol"], parameters
    assert "logger" in parameters, parameters
    source = inspect.getsource(run_async)
    for promise in ("readline()", "readexactly(", "Content-Length", "object_hook=protocol.structure_message"):
        assert promise in source, f"pygls run_async no longer uses {promise!r}: see pygls_bridge's docstring"


def test_importing_the_adapter_leaves_lsprotocol_unimported_and_it_still_imports_later() -> None:
    code = (
        "import sys, dap_threads.dap.server, dap_threads.session;"
        "print(sorted(m for m in sys.modules if m.startswith('lsprotocol')));"
        "import lsprotocol.types as t, pygls.lsp as l;"
        "print(hasattr(t, 'ALL_TYPES_MAP'), callable(l.get_method_options_type))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["[]", "True True"]
