"""Unwinding from registers we supply: a thread stopped where its own pc has no CFI.

The case it serves: a creator in its PTRACE_EVENT_CLONE stop sits just after
the ``syscall`` instruction of glibc's ``clone3``/``clone``, which is written
in assembly and closes its CFI before the system call (its child half marks
the outermost frame there). libdwfl, asked for that thread's frames, stops at
once ("no matching address range"). But a syscall wrapper is a leaf that has
not touched the stack: its caller's pc is the return address at ``[rsp]``
(x86_64) or in ``x30`` (aarch64), and its caller's stack pointer is known.
From those registers libdwfl unwinds as usual.

libdwfl unwinds from given registers through ``dwfl_attach_state`` with
callbacks of ours (``Dwfl_Thread_Callbacks``, libdwfl.h): the thread's
initial registers are the ones we hold, and memory is read from
/proc/PID/mem while the thread is stopped. That is a Dwfl of its own (one
Dwfl has one process state), with the process's modules and their CFI;
``prepare`` loads those on any thread, before the first walk needs them, and
walks never wait for it (``wait=False``), as on the hot path of a clone.
Walks give addresses only; ``StackReader.finish`` names them.
"""

from __future__ import annotations

import ctypes
import logging
import os
import platform
import struct
import threading
from collections.abc import Mapping

from . import libdw as L
from .modules import identity, module_pointers
from .unwind import FRAME_REGISTERS, UnwindError, Walk

log = logging.getLogger(__name__)

_p = ctypes.c_void_p
NEXT_THREAD = ctypes.CFUNCTYPE(ctypes.c_int, _p, _p, _p)
GET_THREAD = ctypes.CFUNCTYPE(ctypes.c_bool, _p, ctypes.c_int, _p, _p)
MEMORY_READ = ctypes.CFUNCTYPE(ctypes.c_bool, _p, ctypes.c_uint64, ctypes.POINTER(ctypes.c_uint64), _p)
SET_INITIAL_REGISTERS = ctypes.CFUNCTYPE(ctypes.c_bool, _p, _p)
DETACH = ctypes.CFUNCTYPE(None, _p, _p)


class Dwfl_Thread_Callbacks(ctypes.Structure):
    _fields_ = [
        ("next_thread", NEXT_THREAD),
        ("get_thread", GET_THREAD),
        ("memory_read", MEMORY_READ),
        ("set_initial_registers", SET_INITIAL_REGISTERS),
        ("detach", DETACH),
        ("thread_detach", DETACH),
    ]


def leaf_caller(registers: Mapping[str, int], read_word: object = None) -> dict[str, int] | None:
    """The caller's registers of a leaf function that has not touched the stack (a syscall wrapper).

    x86_64 (System V psABI): ``call`` pushed the return address, so the caller's
    pc is the word at ``rsp`` and its ``rsp`` is 8 above. aarch64 (AAPCS64): ``bl``
    put it in ``x30``, and ``sp`` is unchanged. ``read_word(address)`` reads the
    stack (x86_64 only). None on another architecture or an unreadable stack.
    """
    machine = platform.machine()
    if machine == "x86_64":
        if not callable(read_word):
            return None
        sp = registers["rsp"]
        pc = read_word(sp)
        if not isinstance(pc, int):
            return None
        return {**registers, "rip": pc, "rsp": sp + 8}
    if machine == "aarch64":
        return {**registers, "pc": registers["x30"]}
    return None


def _file_mappings(pid: int) -> bytes:
    """The lines of /proc/PID/maps that map a file: what modules are made of (see StackReader)."""
    try:
        with open(f"/proc/{pid}/maps", "rb") as f:
            lines = f.read().splitlines()
    except OSError as exc:
        raise UnwindError(f"cannot read the memory map of process {pid}: {exc.strerror}") from None
    return b"\n".join(line for line in lines if b" /" in line or line.endswith(b"[vdso]"))


class RegisterUnwinder:
    """Walks of threads of one process from registers the caller supplies (the thread stopped meanwhile)."""

    def __init__(self, pid: int, dw: L.Libdw | None = None) -> None:
        self.pid = pid
        self._dw = dw or L.load()
        self._machine = platform.machine()
        self._names = FRAME_REGISTERS.get(self._machine)
        if self._names is None:
            raise UnwindError(f"unwinding from registers is not supported on {self._machine}")
        self._pc_name = "rip" if self._machine == "x86_64" else "pc"
        self._lock = threading.Lock()
        self._ready = False
        self._attached = False
        self._maps: bytes | None = None
        #: a walk met an address in no module: the process mapped more since ``prepare``
        self.stale = False
        self._dwfl: int | None = None
        self._mem = -1
        self._registers: Mapping[str, int] = {}
        self._walk: Walk | None = None
        self._keep_alive: list[object] = []

    # ----- setting up (any thread) --------------------------------------------------------

    @property
    def ready(self) -> bool:
        """Modules and CFI are loaded for what the process maps (as of the last ``prepare``)."""
        return self._ready and not self.stale

    def prepare(self) -> None:
        """Report the modules (again, if the files mapped changed) and load their CFI: off the loop, tens of ms.

        A program is launched before its dynamic loader maps libc, and may
        dlopen more later: a walk that meets an address in no module marks the
        unwinder ``stale``, and the caller prepares it again.
        """
        with self._lock:
            dw = self._dw
            if self._dwfl is None:
                self._dwfl = self._begin()
            maps = _file_mappings(self.pid)
            if maps == self._maps and self._ready:
                self.stale = False
                return
            dw.dwfl_report_begin(self._dwfl)
            reported = dw.dwfl_linux_proc_report(self._dwfl, self.pid) == 0
            dw.dwfl_report_end(self._dwfl, None, None)
            if not reported:
                raise UnwindError(f"libdw could not read the modules of process {self.pid}: {dw.errmsg()}")
            if not self._attached:
                if not self._attach(self._dwfl):
                    raise UnwindError(f"libdw could not take our thread callbacks: {dw.errmsg()}")
                self._attached = True
            bias = ctypes.c_uint64()
            for module in module_pointers(dw, self._dwfl):
                identity(dw, module)  # opens its ELF file
                dw.dwfl_module_eh_cfi(module, ctypes.byref(bias))
            self._maps = maps
            self._ready, self.stale = True, False

    def _begin(self) -> int:
        callbacks = self._dw.standard_callbacks()
        dwfl = self._dw.dwfl_begin(ctypes.byref(callbacks))
        if not dwfl:
            raise UnwindError(f"libdw could not start: {self._dw.errmsg()}")
        self._keep_alive.append(callbacks)  # libdwfl keeps a pointer to them
        self._mem = os.open(f"/proc/{self.pid}/mem", os.O_RDONLY | os.O_CLOEXEC)
        return int(dwfl)

    def _attach(self, dwfl: int) -> bool:
        callbacks = Dwfl_Thread_Callbacks(
            next_thread=NEXT_THREAD(self._next_thread),
            get_thread=GET_THREAD(self._get_thread),
            memory_read=MEMORY_READ(self._memory_read),
            set_initial_registers=SET_INITIAL_REGISTERS(self._set_initial_registers),
            detach=DETACH(lambda _dwfl, _arg: None),
            thread_detach=DETACH(lambda _thread, _arg: None),
        )
        self._keep_alive.append(callbacks)
        return bool(self._dw.dwfl_attach_state(dwfl, None, self.pid, ctypes.byref(callbacks), None))

    def close(self) -> None:
        with self._lock:
            if self._dwfl:
                self._dw.dwfl_end(self._dwfl)
                self._dwfl = None
            if self._mem >= 0:
                os.close(self._mem)
                self._mem = -1
            self._ready = self._attached = False

    # ----- walking (the thread stopped) ------------------------------------------------------

    def read_word(self, address: int) -> int | None:
        try:
            data = os.pread(self._mem, 8, address)
        except OSError:
            return None
        return struct.unpack("<Q", data)[0] if len(data) == 8 else None

    def walk(self, tid: int, registers: Mapping[str, int], max_frames: int) -> Walk:
        """The frames from ``registers`` outwards: addresses, the first as a return address (not an activation).

        Never waits: UnwindError when ``prepare`` has not finished (or runs now).
        """
        if not self.ready or not self._lock.acquire(blocking=False):
            raise UnwindError("the unwinder is not ready yet")
        walk = Walk(tid, max_frames, None)
        try:
            self._registers, self._walk = registers, walk
            frame_callback = L.FRAME_CALLBACK(self._on_frame)
            result = self._dw.dwfl_getthread_frames(self._dwfl, tid, frame_callback, None)
            if result == -1 and not walk.frames:
                raise UnwindError(f"cannot unwind thread {tid} from its registers: {self._dw.errmsg()}")
        finally:
            self._registers, self._walk = {}, None
            self._lock.release()
        return walk

    # ----- libdwfl's callbacks (no exception may escape into C) ---------------------------

    def _next_thread(self, _dwfl: int, _arg: int, _thread_arg: int) -> int:
        return 0  # only get_thread is used: dwfl_getthread_frames names the thread

    def _get_thread(self, _dwfl: int, _tid: int, _arg: int, _thread_arg: int) -> bool:
        return True

    def _memory_read(self, _dwfl: int, address: int, result: ctypes._Pointer[ctypes.c_uint64], _arg: int) -> bool:
        try:
            word = self.read_word(address)
            if word is None:
                return False
            result[0] = word
            return True
        except Exception:  # pragma: no cover - a bug of ours
            log.exception("memory_read callback failed")
            return False

    def _set_initial_registers(self, thread: int, _arg: int) -> bool:
        try:
            names = self._names or ()
            values = (ctypes.c_uint64 * len(names))(*(self._registers.get(name, 0) for name in names))
            if not self._dw.dwfl_thread_state_registers(thread, 0, len(names), values):
                return False
            self._dw.dwfl_thread_state_register_pc(thread, self._registers[self._pc_name])
            return True
        except Exception:  # pragma: no cover - a bug of ours
            log.exception("set_initial_registers callback failed")
            return False

    def _on_frame(self, frame: int, _arg: int) -> int:
        walk = self._walk
        if walk is None:
            return L.DWARF_CB_ABORT
        pc, activation = ctypes.c_uint64(), ctypes.c_bool()
        if not self._dw.dwfl_frame_pc(frame, ctypes.byref(pc), ctypes.byref(activation)):
            return L.DWARF_CB_ABORT
        if not self._dw.dwfl_addrmodule(self._dwfl, pc.value - (0 if walk.frames and activation.value else 1)):
            if not walk.frames:
                self.stale = True  # our modules are older than the caller's code: prepare again
            return L.DWARF_CB_ABORT
        # The first frame is the caller's, at its return address: not an activation (its line is the call's).
        walk.frames.append((pc.value, bool(activation.value) and bool(walk.frames), None))
        if len(walk.frames) >= walk.max_frames or any(f[0] == pc.value for f in walk.frames[:-1]):
            return L.DWARF_CB_ABORT
        return L.DWARF_CB_OK
