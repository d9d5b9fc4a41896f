"""Launcher for DebugClient: it spawns `runtime executable` with one argument,
so it runs `python launch_adapter.py` instead of `python -m dap_threads`.
Serves DAP on stdin/stdout, exactly like `python -m dap_threads`."""

import os
import sys

# Run from a checkout even if the package is not installed in this interpreter.
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))

from dap_threads.cli.main import main

sys.exit(main(sys.argv[1:]))
