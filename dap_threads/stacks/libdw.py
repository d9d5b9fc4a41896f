"""elfutils libdw (``libdw.so.1``, Debian package ``libdw1``), through ctypes: only the calls we use.

libdwfl (the ``dwfl_*`` half) finds a process's modules in /proc/PID/maps,
their separate debug info (by build-id under /usr/lib/debug/.build-id, or by
.gnu_debuglink), and unwinds threads with the CFI of .eh_frame and
.debug_frame. libdw (the ``dwarf_*`` half) reads the DWARF: line tables and
the scopes (functions, inlined calls) around an address.

Signatures follow elfutils 0.188's libdwfl.h and libdw.h. The structures
passed by value or filled in by libdw (Dwarf_Die, Dwarf_Attribute, GElf_Sym)
are declared with their full size; we only read the fields named here.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from typing import Any

SONAME = "libdw.so.1"
PACKAGE_HINT = "install elfutils' libdw (Debian/Ubuntu: apt-get install libdw1; Fedora: elfutils-libs)"

# DWARF tags and attributes (dwarf.h; DWARF 5, section 7.5).
DW_TAG_lexical_block = 0x0B
DW_TAG_inlined_subroutine = 0x1D
DW_TAG_subprogram = 0x2E
DW_TAG_namespace = 0x39
DW_TAG_class_type = 0x02
DW_TAG_structure_type = 0x13
DW_TAG_union_type = 0x17
DW_TAG_module = 0x1E
DW_TAG_call_site = 0x48
DW_TAG_GNU_call_site = 0x4109
DW_AT_name = 0x03
DW_AT_abstract_origin = 0x31
DW_AT_specification = 0x47
DW_AT_comp_dir = 0x1B
DW_AT_call_column = 0x57
DW_AT_call_file = 0x58
DW_AT_call_line = 0x59
DW_AT_linkage_name = 0x6E
DW_AT_MIPS_linkage_name = 0x2007
DW_AT_low_pc = 0x11
DW_AT_call_return_pc = 0x7D
DW_AT_call_origin = 0x7F
DW_AT_call_tail_call = 0x82
DW_AT_GNU_tail_call = 0x2115

# DWARF register numbers of the stack pointer (System V psABI register maps).
SP_REGNO = {"x86_64": 7, "aarch64": 31, "i386": 4}

DWARF_CB_OK = 0
DWARF_CB_ABORT = 1


class Dwfl_Callbacks(ctypes.Structure):
    # Function pointers are set to libdw's own standard callbacks (as void*):
    # no Python callback runs while modules are found.
    _fields_ = [
        ("find_elf", ctypes.c_void_p),
        ("find_debuginfo", ctypes.c_void_p),
        ("section_address", ctypes.c_void_p),
        ("debuginfo_path", ctypes.c_void_p),
    ]


class Dwarf_Die(ctypes.Structure):
    _fields_ = [
        ("addr", ctypes.c_void_p),
        ("cu", ctypes.c_void_p),
        ("abbrev", ctypes.c_void_p),
        ("padding", ctypes.c_long),
    ]


class Dwarf_Attribute(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_uint),
        ("form", ctypes.c_uint),
        ("valp", ctypes.c_void_p),
        ("cu", ctypes.c_void_p),
    ]


class GElf_Shdr(ctypes.Structure):
    _fields_ = [
        ("sh_name", ctypes.c_uint32),
        ("sh_type", ctypes.c_uint32),
        ("sh_flags", ctypes.c_uint64),
        ("sh_addr", ctypes.c_uint64),
        ("sh_offset", ctypes.c_uint64),
        ("sh_size", ctypes.c_uint64),
        ("sh_link", ctypes.c_uint32),
        ("sh_info", ctypes.c_uint32),
        ("sh_addralign", ctypes.c_uint64),
        ("sh_entsize", ctypes.c_uint64),
    ]


class GElf_Sym(ctypes.Structure):
    _fields_ = [
        ("st_name", ctypes.c_uint32),
        ("st_info", ctypes.c_ubyte),
        ("st_other", ctypes.c_ubyte),
        ("st_shndx", ctypes.c_uint16),
        ("st_value", ctypes.c_uint64),
        ("st_size", ctypes.c_uint64),
    ]


FRAME_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)

_p = ctypes.c_void_p
_u64 = ctypes.c_uint64
_P = ctypes.POINTER

_SIGNATURES: dict[str, tuple[Any, list[Any]]] = {
    "dwfl_begin": (_p, [_P(Dwfl_Callbacks)]),
    "dwfl_end": (None, [_p]),
    "dwfl_errno": (ctypes.c_int, []),
    "dwfl_errmsg": (ctypes.c_char_p, [ctypes.c_int]),
    "dwfl_report_begin": (None, [_p]),
    "dwfl_report_end": (ctypes.c_int, [_p, _p, _p]),
    "dwfl_linux_proc_report": (ctypes.c_int, [_p, ctypes.c_int]),
    "dwfl_linux_proc_attach": (ctypes.c_int, [_p, ctypes.c_int, ctypes.c_bool]),
    # Unwinding from registers we supply (stacks.from_registers): our own Dwfl_Thread_Callbacks.
    "dwfl_attach_state": (ctypes.c_bool, [_p, _p, ctypes.c_int, _p, _p]),
    "dwfl_thread_state_registers": (ctypes.c_bool, [_p, ctypes.c_int, ctypes.c_uint, _P(_u64)]),
    "dwfl_thread_state_register_pc": (None, [_p, _u64]),
    "dwfl_module_eh_cfi": (_p, [_p, _P(_u64)]),
    "dwfl_getthread_frames": (ctypes.c_int, [_p, ctypes.c_int, FRAME_CALLBACK, _p]),
    "dwfl_frame_pc": (ctypes.c_bool, [_p, _P(_u64), _P(ctypes.c_bool)]),
    "dwfl_frame_reg": (ctypes.c_int, [_p, ctypes.c_uint, _P(_u64)]),
    "dwfl_addrmodule": (_p, [_p, _u64]),
    "dwfl_getmodules": (ctypes.c_ssize_t, [_p, _p, _p, ctypes.c_ssize_t]),
    "dwfl_module_info": (
        ctypes.c_char_p,
        [_p, _p, _P(_u64), _P(_u64), _P(_u64), _P(_u64), _P(ctypes.c_char_p), _P(ctypes.c_char_p)],
    ),
    "dwfl_module_build_id": (ctypes.c_int, [_p, _P(_p), _P(_u64)]),
    "dwfl_module_getdwarf": (_p, [_p, _P(_u64)]),
    "dwfl_module_getelf": (_p, [_p, _P(_u64)]),
    "dwfl_module_getsymtab": (ctypes.c_int, [_p]),
    "dwfl_module_addrinfo": (ctypes.c_char_p, [_p, _u64, _P(_u64), _P(GElf_Sym), _p, _p, _P(_u64)]),
    "dwfl_module_addrdie": (_P(Dwarf_Die), [_p, _u64, _P(_u64)]),
    "dwfl_linux_proc_find_elf": (ctypes.c_int, []),  # only its address is used
    "dwfl_standard_find_debuginfo": (ctypes.c_int, []),  # only its address is used
    "dwarf_getscopes": (ctypes.c_int, [_P(Dwarf_Die), _u64, _P(_P(Dwarf_Die))]),
    "dwarf_getscopes_die": (ctypes.c_int, [_P(Dwarf_Die), _P(_P(Dwarf_Die))]),
    "dwarf_nextcu": (ctypes.c_int, [_p, _u64, _P(_u64), _P(ctypes.c_size_t), _p, _p, _p]),
    "dwarf_haspc": (ctypes.c_int, [_P(Dwarf_Die), _u64]),
    "dwarf_getsrc_die": (_p, [_P(Dwarf_Die), _u64]),
    "dwarf_lineno": (ctypes.c_int, [_p, _P(ctypes.c_int)]),
    "dwarf_linecol": (ctypes.c_int, [_p, _P(ctypes.c_int)]),
    "dwarf_linesrc": (ctypes.c_char_p, [_p, _p, _p]),
    "dwarf_tag": (ctypes.c_int, [_P(Dwarf_Die)]),
    "dwarf_diename": (ctypes.c_char_p, [_P(Dwarf_Die)]),
    "dwarf_attr": (_P(Dwarf_Attribute), [_P(Dwarf_Die), ctypes.c_uint, _P(Dwarf_Attribute)]),
    "dwarf_attr_integrate": (_P(Dwarf_Attribute), [_P(Dwarf_Die), ctypes.c_uint, _P(Dwarf_Attribute)]),
    "dwarf_formref_die": (_P(Dwarf_Die), [_P(Dwarf_Attribute), _P(Dwarf_Die)]),
    "dwarf_formstring": (ctypes.c_char_p, [_P(Dwarf_Attribute)]),
    "dwarf_formudata": (ctypes.c_int, [_P(Dwarf_Attribute), _P(_u64)]),
    "dwarf_getsrcfiles": (ctypes.c_int, [_P(Dwarf_Die), _P(_p), _P(ctypes.c_size_t)]),
    "dwarf_filesrc": (ctypes.c_char_p, [_p, ctypes.c_size_t, _p, _p]),
    "dwarf_diecu": (_P(Dwarf_Die), [_P(Dwarf_Die), _P(Dwarf_Die), _p, _p]),
    "dwarf_offdie": (_P(Dwarf_Die), [_p, _u64, _P(Dwarf_Die)]),
    "dwarf_dieoffset": (_u64, [_P(Dwarf_Die)]),
    "dwarf_child": (ctypes.c_int, [_P(Dwarf_Die), _P(Dwarf_Die)]),
    "dwarf_hasattr": (ctypes.c_int, [_P(Dwarf_Die), ctypes.c_uint]),
    "dwarf_formaddr": (ctypes.c_int, [_P(Dwarf_Attribute), _P(_u64)]),
    "dwarf_siblingof": (ctypes.c_int, [_P(Dwarf_Die), _P(Dwarf_Die)]),
    "dwarf_ranges": (ctypes.c_ssize_t, [_P(Dwarf_Die), ctypes.c_ssize_t, _P(_u64), _P(_u64), _P(_u64)]),
    "dwelf_elf_gnu_debuglink": (ctypes.c_char_p, [_p, _P(ctypes.c_uint32)]),
}

# libelf (libelf.so.1, which libdw itself links): the section headers of a module's ELF file.
_ELF_SIGNATURES: dict[str, tuple[Any, list[Any]]] = {
    "elf_getshdrstrndx": (ctypes.c_int, [_p, _P(ctypes.c_size_t)]),
    "elf_nextscn": (_p, [_p, _p]),
    "gelf_getshdr": (_P(GElf_Shdr), [_p, _P(GElf_Shdr)]),
    "elf_strptr": (ctypes.c_char_p, [_p, ctypes.c_size_t, ctypes.c_size_t]),
}


class LibdwMissing(RuntimeError):
    """libdw.so.1 could not be loaded; the message names the package that provides it."""


class Libdw:
    """The loaded library: one attribute per bound function, plus libc's free."""

    def __init__(self, lib: ctypes.CDLL) -> None:
        self.lib = lib
        libelf = ctypes.CDLL("libelf.so.1")
        for table, library in ((_SIGNATURES, lib), (_ELF_SIGNATURES, libelf)):
            for name, (restype, argtypes) in table.items():
                function = getattr(library, name)
                function.restype = restype
                function.argtypes = argtypes
                setattr(self, name, function)
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        self.free = libc.free
        self.free.argtypes = [ctypes.c_void_p]
        self.free.restype = None
        # a file name handed to libdwfl, which frees it (``running_copy``)
        self.strdup = libc.strdup
        self.strdup.argtypes = [ctypes.c_char_p]
        self.strdup.restype = ctypes.c_void_p

    def __getattr__(self, name: str) -> Any:  # for mypy: the bound functions set above
        raise AttributeError(name)

    def errmsg(self) -> str:
        message = self.dwfl_errmsg(-1)
        return message.decode("utf-8", "replace") if message else "unknown libdw error"

    def standard_callbacks(self) -> Dwfl_Callbacks:
        """Callbacks for a live process: ELF files through /proc/PID, debug info by build-id or debuglink."""
        return Dwfl_Callbacks(
            find_elf=ctypes.cast(self.lib.dwfl_linux_proc_find_elf, ctypes.c_void_p).value,
            find_debuginfo=ctypes.cast(self.lib.dwfl_standard_find_debuginfo, ctypes.c_void_p).value,
            section_address=None,
            debuginfo_path=None,  # libdw's default: ":.debug:/usr/lib/debug"
        )


_loaded: Libdw | None = None
_failure: str | None = None


def load() -> Libdw:
    """The library, loaded once; LibdwMissing (with an install hint) when it is not there.

    DAP_THREADS_LIBDW names another file to load instead (a build of elfutils
    of one's own, or a path that does not exist to see the fallback).
    """
    global _loaded, _failure
    if _loaded is not None:
        return _loaded
    if _failure is not None:
        raise LibdwMissing(_failure)
    name = os.environ.get("DAP_THREADS_LIBDW", SONAME)
    try:
        _loaded = Libdw(_without_debuginfod(name))
    except (OSError, AttributeError) as exc:
        _failure = f"full call stacks need {SONAME} ({exc}); {PACKAGE_HINT}"
        raise LibdwMissing(_failure) from None
    return _loaded


def _without_debuginfod(name: str) -> ctypes.CDLL:
    # libdw starts its debuginfod client when the library is loaded, if
    # DEBUGINFOD_URLS is set; a lookup of a missing build-id would then go to
    # the network and could block an unwind for seconds. Debug info comes from
    # this machine only (install the -dbg / -dbgsym packages).
    saved = os.environ.pop("DEBUGINFOD_URLS", None)
    try:
        return ctypes.CDLL(name)
    finally:
        if saved is not None:
            os.environ["DEBUGINFOD_URLS"] = saved
