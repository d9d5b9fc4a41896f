"""ELF files a process runs that are gone from disk: read the running copy, not the path.

/proc/PID/maps names a file deleted (or replaced by a rename) after it was
mapped as "PATH (deleted)", and a program started with fexecve from a memfd
as "/memfd:NAME (deleted)". libdwfl's own find_elf opens the path, which is
missing, or worse a different file now; the kernel keeps the mapped file
open at /proc/PID/map_files/START-END (man 5 proc; readable by a tracer),
which is exactly what runs.
"""

from __future__ import annotations

import ctypes
import logging
import os
from typing import Any

from . import libdw as L

log = logging.getLogger(__name__)

#: int find_elf(Dwfl_Module *, void **userdata, const char *name, Dwarf_Addr base, char **file_name, Elf **)
FindElf = ctypes.CFUNCTYPE(
    ctypes.c_int,
    ctypes.c_void_p,
    ctypes.c_void_p,
    ctypes.c_char_p,
    ctypes.c_uint64,
    ctypes.POINTER(ctypes.c_void_p),
    ctypes.c_void_p,
)


def is_gone(name: str) -> bool:
    return name.endswith(" (deleted)") or name.startswith("/memfd:")


def running_copy(pid: int, name: str) -> str | None:
    """/proc/PID/map_files/... of the first mapping of ``name`` (as maps spells it), or None."""
    try:
        with open(f"/proc/{pid}/maps", "rb") as f:
            lines = f.read().decode("utf-8", "surrogateescape").splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split(maxsplit=5)
        if len(fields) == 6 and fields[5] == name:
            return f"/proc/{pid}/map_files/{fields[0]}"
    return None


def find_elf(dw: L.Libdw, pid: int) -> Any:
    """A find_elf callback for ``pid``: the running copy of a gone file, else libdwfl's own lookup.

    The caller keeps the returned object alive as long as libdwfl may call it.
    """
    address = ctypes.cast(dw.lib.dwfl_linux_proc_find_elf, ctypes.c_void_p).value
    assert address is not None  # a bound function of a loaded library
    standard = FindElf(address)

    def find(module: int, userdata: int, name: bytes | None, base: int, file_name: Any, elf: int) -> int:
        text = name.decode("utf-8", "surrogateescape") if name else ""
        copy = running_copy(pid, text) if is_gone(text) else None
        if copy is not None:
            try:
                fd = os.open(copy, os.O_RDONLY | os.O_CLOEXEC)
            except OSError as exc:
                log.debug("cannot open the running copy of %s (%s): %s", text, copy, exc)
            else:
                file_name[0] = dw.strdup(copy.encode())  # libdwfl frees it
                return fd  # libdwfl owns it from now on
        result: int = standard(module, userdata, name, base, file_name, elf)
        return result

    return FindElf(find)
