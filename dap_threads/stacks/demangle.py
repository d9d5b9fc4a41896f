"""Readable names for mangled symbols: C++ (Itanium ABI) and Rust (legacy and v0).

C++ goes through libstdc++'s own ``abi::__cxa_demangle`` (the demangler g++
programs use, and whose output gdb's matches). Rust goes through pyderust,
bindings to the ``rustc-demangle`` crate that rustc's own backtraces use:
it knows both manglings, the legacy one (``_ZN...17h<hash>E``, which a C++
demangler reads but leaves with ``$LT$`` escapes and the hash) and v0
(``_R...``), and it drops the hash, as Rust's backtraces do. A name neither
understands is returned as it is.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import re
from collections.abc import Callable

_RUST_LEGACY = re.compile(r"^_ZN.*17h[0-9a-f]{16}E(\.llvm\.\d+)?$")


@functools.lru_cache(maxsize=65536)
def demangle(name: str) -> str:
    if name.startswith("_R") or _RUST_LEGACY.match(name):
        rust = _rust_demangler()
        if rust is not None:
            try:
                return rust(name)
            except Exception:
                pass
    if name.startswith("_Z"):
        cxx = _cxx_demangler()
        if cxx is not None:
            return cxx(name) or name
    return name


def drop_parameters(name: str) -> str:
    """``void ns::f<int>(int, char) const`` -> ``ns::f<int>``: the function, as gdb names a frame.

    Only a final, balanced parameter list is removed, so ``operator()``
    keeps its own parentheses and ``{lambda()#1}`` is left alone; the return
    type the demangler puts before a template function's name goes too.
    """
    return _drop_return_type(_drop_parameter_list(name))


def _drop_parameter_list(name: str) -> str:
    text = name.rstrip()
    for suffix in (" const", " volatile", " &&", " &"):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
    if not text.endswith(")"):
        return name
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        char = text[i]
        if char == ")":
            depth += 1
        elif char == "(":
            depth -= 1
            if depth == 0:
                head = text[:i]
                return head if head and not head.endswith("operator") else name
    return name


def _drop_return_type(name: str) -> str:
    # The last space outside <> and () separates a return type from the name;
    # "operator new" and "(anonymous namespace)" keep theirs.
    depth = 0
    cut = -1
    for i, char in enumerate(name):
        if char in "<(":
            depth += 1
        elif char in ">)" and depth > 0:
            depth -= 1
        elif char == " " and depth == 0 and not name[:i].endswith("operator"):
            cut = i
    return name[cut + 1 :] if cut >= 0 else name


@functools.cache
def _rust_demangler() -> Callable[[str], str] | None:
    try:
        from pyderust import demangle as rust_demangle
    except ImportError:
        return None
    return rust_demangle


@functools.cache
def _cxx_demangler() -> Callable[[str], str | None] | None:
    try:
        libstdcxx = ctypes.CDLL(ctypes.util.find_library("stdc++") or "libstdc++.so.6")
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    cxa = libstdcxx.__cxa_demangle
    cxa.restype = ctypes.c_void_p  # a malloc'd string we must free
    cxa.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_int)]
    free = libc.free
    free.argtypes = [ctypes.c_void_p]
    free.restype = None

    def run(name: str) -> str | None:
        status = ctypes.c_int(0)
        result = cxa(name.encode(), None, None, ctypes.byref(status))
        if not result or status.value != 0:
            return None
        try:
            text = ctypes.string_at(result).decode("utf-8", "replace")
        finally:
            free(result)
        return text

    return run
