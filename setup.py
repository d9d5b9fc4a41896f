"""The compiled helper, the one thing pyproject.toml cannot declare stably yet.

``dap_threads/engine/_fastptrace.c`` is a plain C library that
``engine/fastptrace.py`` loads with ctypes: gcc is all it needs, no Python
headers. It is optional: where it cannot be built (no compiler), ``pip
install`` still succeeds and the engine makes the same system calls from
Python, one at a time.

With ``DAP_THREADS_PURE_PYTHON=1`` at build time it is left out, and the wheel
is pure Python (py3-none-any): one file for every CPython >= 3.11 and every
architecture, as the VS Code extension carries (``vscode-extension/build-wheel.sh``).
A wheel with the helper is tagged for the Python and machine that built it.
"""

import os

from setuptools import Extension, setup

PURE_PYTHON = os.environ.get("DAP_THREADS_PURE_PYTHON") == "1"

setup(
    ext_modules=[]
    if PURE_PYTHON
    else [
        Extension(
            "dap_threads.engine._fastptrace",
            sources=["dap_threads/engine/_fastptrace.c"],
            extra_compile_args=["-O2", "-Wall"],
            optional=True,
        )
    ]
)
