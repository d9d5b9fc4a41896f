"""The compiled helper (``_fastptrace.c``), where it was built: waitpid and ptrace in batches.

``pip install`` compiles ``_fastptrace.c`` with gcc into a shared library
next to this module (an optional extension: without a compiler the install
still succeeds). It is loaded with ctypes, so no Python headers are needed.
Where it is missing, or ``DAP_THREADS_PURE_PYTHON=1`` is set, ``load()``
returns None and the engine makes the same calls one at a time from Python:
the pure-Python path is the reference, and the test suite runs against both.

What it buys (benchmarks/README.md has the numbers): a drain that resumes the
stops of running threads in C, so a thread storm costs Python only the
clones and exits it must announce; and one ctypes call, not one per thread,
for the interrupts, resumes, seizes and detaches of an all-stop, an attach
or a disconnect.

All of it runs on the calling thread, which must be the ptrace owner: these
are the same calls the Python path makes, made from the same place.
"""

from __future__ import annotations

import array
import ctypes
import importlib.machinery
import logging
import os
from collections.abc import Sequence
from pathlib import Path

from .owner import on_ptrace_owner

log = logging.getLogger(__name__)

#: Set to 1 to use the pure-Python path even where the helper was built.
PURE_PYTHON_ENV = "DAP_THREADS_PURE_PYTHON"

_RECORD = 3  # int64s per record: tid, status, child of a clone resumed in C (-1 if not resumed)
_DRAIN_MAX = 256


def _library_path() -> Path | None:
    here = Path(__file__).resolve().parent
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        candidate = here / f"_fastptrace{suffix}"
        if candidate.exists():
            return candidate
    return None


def _pid_max() -> int:
    try:
        with open("/proc/sys/kernel/pid_max", "rb") as f:
            return int(f.read())
    except (OSError, ValueError):
        return 1 << 22  # the kernel's upper limit for pid_max on 64-bit


class FastPtrace:
    """The helper's functions, with Python-sized arguments."""

    def __init__(self, lib: ctypes.CDLL) -> None:
        self._lib = lib
        lib.fp_init.argtypes = [ctypes.c_long]
        lib.fp_init.restype = ctypes.c_int
        lib.fp_set_mode.argtypes = [ctypes.c_int, ctypes.c_int]
        lib.fp_set_mode.restype = None
        lib.fp_set_modes.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
        lib.fp_set_modes.restype = None
        lib.fp_drain.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
        lib.fp_drain.restype = ctypes.c_int
        lib.fp_wait_each.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
        lib.fp_wait_each.restype = ctypes.c_int
        lib.fp_ptrace_each.argtypes = [ctypes.c_long, ctypes.c_void_p, ctypes.c_int, ctypes.c_long, ctypes.c_void_p]
        lib.fp_ptrace_each.restype = ctypes.c_int
        if lib.fp_init(_pid_max()) != 0:
            raise MemoryError("_fastptrace: no memory for the mode table")
        self._drain_buffer = (ctypes.c_int64 * (_RECORD * _DRAIN_MAX))()
        self._state = ctypes.c_int(0)
        self._set_mode = lib.fp_set_mode
        self._drain = lib.fp_drain

    def set_running(self, tid: int, running: bool) -> None:
        """Whether the drain may resume ``tid``'s simple stops itself."""
        self._set_mode(tid, 1 if running else 0)

    def set_running_each(self, tids: Sequence[int], running: bool) -> None:
        if tids:
            self._lib.fp_set_modes(_int32s(tids), len(tids), 1 if running else 0)

    @on_ptrace_owner
    def drain(self) -> tuple[list[int], int]:
        """(flat records: tid, status, child, ...; state): state 1 when more may be waiting, -1 on ECHILD."""
        count = self._drain(self._drain_buffer, _DRAIN_MAX, ctypes.byref(self._state))
        return self._drain_buffer[: _RECORD * count], self._state.value

    @on_ptrace_owner
    def wait_each(self, tids: Sequence[int], max_misses: int) -> list[int]:
        """waitpid(tid, WNOHANG) for each, in order, until ``max_misses`` in a row have nothing:
        flat (tid, status, -1) records of those that reported."""
        n = len(tids)
        if not n:
            return []
        out = (ctypes.c_int64 * (_RECORD * n))()
        found = self._lib.fp_wait_each(_int32s(tids), n, max_misses, out)
        return out[: _RECORD * found]

    @on_ptrace_owner
    def ptrace_each(self, request: int, tids: Sequence[int], data: int = 0) -> list[tuple[int, int]]:
        """The same request for each tid; returns (tid, errno) of those that failed."""
        n = len(tids)
        if not n:
            return []
        errnos = (ctypes.c_int32 * n)()
        if not self._lib.fp_ptrace_each(request, _int32s(tids), n, data, errnos):
            return []
        return [(tid, errno) for tid, errno in zip(tids, errnos) if errno]


def _int32s(values: Sequence[int]) -> ctypes.Array[ctypes.c_int32]:
    # array.array converts a list of ints in C: ~10x faster than (c_int32 * n)(*values) at 10,000 tids.
    packed = array.array("i", values)
    return (ctypes.c_int32 * len(packed)).from_buffer(packed)


_loaded: FastPtrace | None = None
_tried = False


def load() -> FastPtrace | None:
    """The helper, or None (not built, or ``DAP_THREADS_PURE_PYTHON=1``). Loaded once per process."""
    global _loaded, _tried
    if _tried:
        return _loaded
    _tried = True
    if os.environ.get(PURE_PYTHON_ENV) == "1":
        return None
    path = _library_path()
    if path is None:
        log.info("_fastptrace was not built (no compiler at install?): using the pure-Python path")
        return None
    try:
        _loaded = FastPtrace(ctypes.CDLL(str(path), use_errno=True))
    except (OSError, AttributeError, MemoryError) as exc:
        log.warning("could not load %s (%s): using the pure-Python path", path, exc)
        _loaded = None
    return _loaded
