"""Start-up: pygls is imported without lsprotocol, and nothing else breaks for it."""

from __future__ import annotations

import subprocess
import sys

from procs import REPO


def run_python(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout


def test_adapter_imports_pygls_without_the_lsp_type_library():
    out = run_python(
        "import sys, dap_threads.dap.server, dap_threads.session;"
        "print(sorted(m for m in sys.modules if m.startswith('lsprotocol')))"
    )
    assert out.strip() == "[]"


def test_real_lsprotocol_and_pygls_lsp_still_import_afterwards():
    out = run_python(
        "import dap_threads.dap.server; import lsprotocol.types as t; import pygls.lsp as l;"
        "print(hasattr(t, 'ALL_TYPES_MAP'), callable(l.get_method_options_type))"
    )
    assert out.strip() == "True True"
