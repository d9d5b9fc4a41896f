"""The ptrace(2) system call, through ctypes.

Only the requests the engine uses are bound. Every call raises ``OSError``
with the kernel's errno, so callers can tell ESRCH (the thread is gone or not
in a ptrace-stop) from EPERM (not allowed).

Every function here must run on the ptrace owner thread: the kernel accepts
ptrace requests for a tracee only from the thread that attached it
(man 2 ptrace, "Attaching and detaching"); from any other thread they fail
with ESRCH. ``owner.on_ptrace_owner`` asserts that where it matters.
"""

from __future__ import annotations

import contextlib
import ctypes
import os

# Requests (include/uapi/linux/ptrace.h).
PTRACE_TRACEME = 0
PTRACE_CONT = 7
PTRACE_KILL = 8
PTRACE_SYSCALL = 24
PTRACE_GETREGS = 12
PTRACE_ATTACH = 16
PTRACE_DETACH = 17
PTRACE_SETOPTIONS = 0x4200
PTRACE_GETEVENTMSG = 0x4201
PTRACE_GETSIGINFO = 0x4202
PTRACE_GETREGSET = 0x4204
PTRACE_SETREGSET = 0x4205
PTRACE_SEIZE = 0x4206
PTRACE_INTERRUPT = 0x4207
PTRACE_LISTEN = 0x4208
PTRACE_GET_SYSCALL_INFO = 0x420E

# Options.
PTRACE_O_TRACESYSGOOD = 0x01
PTRACE_O_TRACEFORK = 0x02
PTRACE_O_TRACEVFORK = 0x04
PTRACE_O_TRACECLONE = 0x08
PTRACE_O_TRACEEXEC = 0x10
PTRACE_O_TRACEVFORKDONE = 0x20
PTRACE_O_TRACEEXIT = 0x40
PTRACE_O_TRACESECCOMP = 0x80
PTRACE_O_EXITKILL = 0x100000

# Events, found in (status >> 16) of a stop.
PTRACE_EVENT_FORK = 1
PTRACE_EVENT_VFORK = 2
PTRACE_EVENT_CLONE = 3
PTRACE_EVENT_EXEC = 4
PTRACE_EVENT_VFORK_DONE = 5
PTRACE_EVENT_EXIT = 6
PTRACE_EVENT_SECCOMP = 7
PTRACE_EVENT_STOP = 128

NT_PRSTATUS = 1
NT_ARM_SYSTEM_CALL = 0x404  # aarch64: the number of the call a thread is stopped at (an int)

# waitpid flags the engine needs that the os module does not export.
WALL = 0x40000000  # __WALL: wait for threads (clone children) too
WNOTHREAD = 0x20000000  # __WNOTHREAD: only this thread's tracees/children

# glibc's soname, named directly: ctypes.util.find_library runs ldconfig and
# imports subprocess, shutil and tempfile (~5 ms of the adapter's start-up).
_libc = ctypes.CDLL("libc.so.6", use_errno=True)
_ptrace = _libc.ptrace
_ptrace.restype = ctypes.c_long
_ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]


class Iovec(ctypes.Structure):
    _fields_ = [("iov_base", ctypes.c_void_p), ("iov_len", ctypes.c_size_t)]


def _call(request: int, tid: int, addr: int | None, data: int | ctypes.c_void_p | None) -> int:
    result: int = _ptrace(request, tid, addr, data)
    if result == -1:
        _raise(request, tid)
    return result


def _raise(request: int, tid: int) -> None:
    errno = ctypes.get_errno()
    if errno:
        raise OSError(errno, f"ptrace request {request:#x} on {tid}: {os.strerror(errno)}")


def tracee_may_be_gone() -> contextlib.suppress:
    """Wrap a request on a tracee that may have died since its last report.

    A thread can be killed at any moment (SIGKILL needs no ptrace-stop: man 2
    ptrace, "Death under ptrace"); requests on it then fail with ESRCH, which
    ``_call`` raises as ProcessLookupError. Its exit status is already on its
    way to waitpid, which is where the tracer learns of the death, so the
    failed request needs nothing else.
    """
    return contextlib.suppress(ProcessLookupError)


def seize(tid: int, options: int) -> None:
    """Attach without stopping the thread (PTRACE_SEIZE)."""
    _call(PTRACE_SEIZE, tid, None, options)


def set_options(tid: int, options: int) -> None:
    _call(PTRACE_SETOPTIONS, tid, None, options)


def cont(tid: int, signal: int = 0) -> None:
    """Resume a thread in ptrace-stop, delivering ``signal`` (0 for none)."""
    # Called for nearly every stop: the ctypes call inline, no helper call.
    if _ptrace(PTRACE_CONT, tid, None, signal) == -1:
        _raise(PTRACE_CONT, tid)


def resume(request: int, tid: int, signal: int = 0) -> None:
    """PTRACE_CONT, or PTRACE_SYSCALL (stop again at the next syscall entry or exit)."""
    # Called for nearly every stop, as cont() is: the ctypes call inline.
    if _ptrace(request, tid, None, signal) == -1:
        _raise(request, tid)


def listen(tid: int) -> None:
    """Let a thread in group-stop stay stopped but wake on SIGCONT (PTRACE_LISTEN)."""
    _call(PTRACE_LISTEN, tid, None, None)


def interrupt(tid: int) -> None:
    """Ask a seized thread to stop (PTRACE_INTERRUPT); the stop is reported by waitpid."""
    if _ptrace(PTRACE_INTERRUPT, tid, None, None) == -1:  # once per thread in an all-stop: inline
        _raise(PTRACE_INTERRUPT, tid)


def detach(tid: int, signal: int = 0) -> None:
    if _ptrace(PTRACE_DETACH, tid, None, signal) == -1:  # once per thread when leaving: inline
        _raise(PTRACE_DETACH, tid)


#: GETEVENTMSG's result, reused: only the ptrace owner thread calls it.
_event_msg = ctypes.c_ulong(0)
_event_msg_address = ctypes.addressof(_event_msg)


def get_event_msg(tid: int) -> int:
    if _ptrace(PTRACE_GETEVENTMSG, tid, None, _event_msg_address) == -1:
        _raise(PTRACE_GETEVENTMSG, tid)
    return _event_msg.value


def get_syscall_info(tid: int, buffer: ctypes.Array[ctypes.c_char]) -> int:
    """PTRACE_GET_SYSCALL_INFO (Linux 5.3) into ``buffer``; returns the size the kernel wanted to fill."""
    return _call(PTRACE_GET_SYSCALL_INFO, tid, len(buffer), ctypes.addressof(buffer))


def get_regset(tid: int, buffer: ctypes.Array[ctypes.c_char]) -> int:
    """Read NT_PRSTATUS (the general-purpose registers) into ``buffer``; returns bytes filled."""
    iov = Iovec(ctypes.addressof(buffer), len(buffer))
    _call(PTRACE_GETREGSET, tid, NT_PRSTATUS, ctypes.addressof(iov))
    return int(iov.iov_len)


def set_regset(tid: int, note: int, buffer: ctypes.Array[ctypes.c_char], size: int) -> None:
    """Write the first ``size`` bytes of ``buffer`` to the register set ``note`` (PTRACE_SETREGSET)."""
    iov = Iovec(ctypes.addressof(buffer), size)
    _call(PTRACE_SETREGSET, tid, note, ctypes.addressof(iov))
