"""The loaded ELF objects of a process as libdwfl found them: path, range, build-id, symbol status.

A module is identified across processes and stops by its build-id (the
linker's hash of its contents), or, for a file built without one, by
path + inode + mtime: the key of the symbol cache (``symbolize``).
"""

from __future__ import annotations

import ctypes
import os

import attrs

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
    # The build-id is known once the ELF file is open (a cheap mmap, headers and notes only).
    dw.dwfl_module_getelf(module, ctypes.byref(ctypes.c_uint64()))
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
    """The Module with its symbol status, found without loading its DWARF (that costs 100 ms for libc).

    The debug file is looked for where libdwfl's standard find_debuginfo
    looks with its default path (":.debug:/usr/lib/debug"): by build-id under
    /usr/lib/debug/.build-id, then the .gnu_debuglink name beside the file,
    in its .debug folder, and under /usr/lib/debug.
    """
    name, path, start, end, build_id = identity(dw, module)
    facts = elf_facts(dw, module)
    debug = find_debug_file(path, build_id, facts.debuglink)
    return Module(
        name=name,
        path=path,
        start=start,
        end=end,
        build_id=build_id,
        symbols=symbol_status(facts, debug),
        debug_file=debug,
    )


DEBUG_ROOT = "/usr/lib/debug"


def find_debug_file(path: str | None, build_id: str | None, debuglink: str | None) -> str | None:
    if build_id and len(build_id) > 2:
        candidate = f"{DEBUG_ROOT}/.build-id/{build_id[:2]}/{build_id[2:]}.debug"
        if os.path.isfile(candidate):
            return candidate
    if path is None or not debuglink:
        return None
    folder = os.path.dirname(path)
    for directory in (folder, os.path.join(folder, ".debug"), DEBUG_ROOT + folder):
        candidate = os.path.join(directory, debuglink)
        if candidate != path and os.path.isfile(candidate):
            return candidate
    return None


def symbol_status(facts: ElfFacts, debug_file: str | None) -> str:
    """One of "debug info (build-id)", "debug info (debuglink)", "symbols loaded", "stripped"."""
    if debug_file:
        return "debug info (build-id)" if "/.build-id/" in debug_file else "debug info (debuglink)"
    if facts.symtab or facts.dwarf:
        return "symbols loaded"
    return "stripped"


@attrs.frozen
class ElfFacts:
    symtab: bool  # the full symbol table, which `strip` removes
    dwarf: bool  # DWARF in the file itself
    debuglink: str | None  # the .gnu_debuglink file name


def elf_facts(dw: L.Libdw, module: int) -> ElfFacts:
    """What the section headers of the module's ELF file say (libelf reads them: no DWARF is loaded)."""
    elf = dw.dwfl_module_getelf(module, ctypes.byref(ctypes.c_uint64()))
    if not elf:
        return ElfFacts(False, False, None)
    names = set()
    index = ctypes.c_size_t()
    if dw.elf_getshdrstrndx(elf, ctypes.byref(index)) == 0:
        header = L.GElf_Shdr()
        section = dw.elf_nextscn(elf, None)
        while section:
            if dw.gelf_getshdr(section, ctypes.byref(header)):
                name = dw.elf_strptr(elf, index.value, header.sh_name)
                if name:
                    names.add(name)
            section = dw.elf_nextscn(elf, section)
    link = dw.dwelf_elf_gnu_debuglink(elf, ctypes.byref(ctypes.c_uint32()))
    return ElfFacts(
        symtab=b".symtab" in names,
        dwarf=b".debug_info" in names,
        debuglink=link.decode("utf-8", "replace") if link else None,
    )
