"""The compiled helper, the one thing pyproject.toml cannot declare stably yet.

``dap_threads/engine/_fastptrace.c`` is a plain C library that
``engine/fastptrace.py`` loads with ctypes: gcc is all it needs, no Python
headers. It is optional: where it cannot be built (no compiler), ``pip
install`` still succeeds and the engine makes the same system calls from
Python, one at a time.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "dap_threads.engine._fastptrace",
            sources=["dap_threads/engine/_fastptrace.c"],
            extra_compile_args=["-O2", "-Wall"],
            optional=True,
        )
    ]
)
