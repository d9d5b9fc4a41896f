"""The loaded ELF objects of a process as libdwfl found them: path, range, build-id, symbol status.

A module is identified across processes and stops by its build-id (the
linker's hash of its contents), or, for a file built without one, by
path + inode + mtime: the key of the symbol cache (``symbolize``).
"""

from __future__ import annotations

import ctypes
import functools
import os

from . import libdw as L
from .model import Module

MODULE_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint64, ctypes.c_void_p
)


def module_pointers(dw: L.Libdw, dwfl: int) -> list[int]:
    """Every Dwfl_Module* of ``dwfl``, in libdwfl's order."""
    found: list[int] = []

    def collect(module: int, _userdata: int, _name: bytes, _base: int, _arg: int) -> int:
        found.append(module)
        return L.DWARF_CB_OK

    callback = MODULE_CALLBACK(collect)
    dw.dwfl_getmodules(dwfl, ctypes.cast(callback, ctypes.c_void_p), None, 0)
    return found


def identity(dw: L.Libdw, module: int) -> tuple[str, str | None, int, int, str | None]:
    """(name, file path or None, start, end, build-id hex or None), without loading debug info."""
    start, end = ctypes.c_uint64(), ctypes.c_uint64()
    main_file = ctypes.c_char_p()
    name = dw.dwfl_module_info(
        module, None, ctypes.byref(start), ctypes.byref(end), None, None, ctypes.byref(main_file), None
    )
    text = name.decode("utf-8", "replace") if name else "?"
    path = main_file.value.decode("utf-8", "replace") if main_file.value else (text if text.startswith("/") else None)
    bits, vaddr = ctypes.c_void_p(), ctypes.c_uint64()
    length = dw.dwfl_module_build_id(module, ctypes.byref(bits), ctypes.byref(vaddr))
    build_id = ctypes.string_at(bits, length).hex() if length > 0 and bits.value else None
    return text, path, start.value, end.value, build_id


def cache_key(path: str | None, name: str, build_id: str | None) -> str:
    if build_id:
        return build_id
    try:
        st = os.stat(path or name)
        return f"{path or name}:{st.st_ino}:{st.st_mtime_ns}"
    except OSError:
        return name


def describe(dw: L.Libdw, module: int) -> Module:
    """The Module, with its symbol status (this loads the module's debug info if not done yet)."""
    name, path, start, end, build_id = identity(dw, module)
    bias = ctypes.c_uint64()
    has_dwarf = bool(dw.dwfl_module_getdwarf(module, ctypes.byref(bias)))
    main_file, debug_file = ctypes.c_char_p(), ctypes.c_char_p()
    dw.dwfl_module_info(module, None, None, None, None, None, ctypes.byref(main_file), ctypes.byref(debug_file))
    debug = debug_file.value.decode("utf-8", "replace") if debug_file.value else None
    if debug == path:
        debug = None
    return Module(
        name=name,
        path=path,
        start=start,
        end=end,
        build_id=build_id,
        symbols=symbol_status(path, has_dwarf, debug),
        debug_file=debug,
    )


def symbol_status(path: str | None, has_dwarf: bool, debug_file: str | None) -> str:
    """One of "debug info (build-id)", "debug info (debuglink)", "symbols loaded", "stripped"."""
    if has_dwarf and debug_file:
        return "debug info (build-id)" if "/.build-id/" in debug_file else "debug info (debuglink)"
    if has_dwarf or (path is not None and _has_symtab(path, *_file_identity(path))):
        return "symbols loaded"
    return "stripped"


def _file_identity(path: str) -> tuple[int, int]:
    try:
        st = os.stat(path)
        return st.st_ino, st.st_mtime_ns
    except OSError:
        return 0, 0


@functools.lru_cache(maxsize=256)
def _has_symtab(path: str, _inode: int, _mtime: int) -> bool:
    """Whether the file keeps its full symbol table (.symtab), which `strip` removes."""
    try:
        from elftools.elf.elffile import ELFFile

        with open(path, "rb") as f:
            return ELFFile(f).get_section_by_name(".symtab") is not None
    except Exception:  # not ELF, unreadable: no symbols we could use
        return False
