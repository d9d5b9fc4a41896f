"""SIGCHLD as a file descriptor the loop polls (signalfd), instead of asyncio's signal handling.

Every tracee stop and exit is announced by a SIGCHLD to the tracer. asyncio
turns a signal into a callback in four steps: Python's C handler writes a
byte to the loop's self-pipe, the loop wakes and reads it, runs the
Python-level handler, which schedules ours with call_soon, which runs one
iteration later: ~17 µs of interpreter time per signal, on the path between
a thread's stop and its resumption.

With SIGCHLD blocked, the kernel keeps it pending instead of delivering it,
and a signalfd (man 2 signalfd) becomes readable while it is pending: the
loop's epoll wakes on it directly, one read clears it, and the drain runs in
the same iteration. Standard signals do not queue, so one read stands for
any number of SIGCHLDs; the drain empties waitpid, so that loses nothing.

The catch (man 7 signal, "Signal mask and pending signals"): SIGCHLD is a
process-directed signal, delivered to any thread that does not block it. A
thread with SIGCHLD unblocked would take it (its default action discards it)
and the signalfd would never see it. So SIGCHLD must be blocked in *every*
thread: ``block_early`` does it in the main thread before any other thread
exists (threads inherit the mask), and ``SigchldFd.open`` refuses, returning
None so the caller falls back to asyncio's handler, when a thread of this
process has it unblocked. Children inherit the blocked mask too: the launched
program's child clears it before exec (``launch._child``).
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import os
import signal
from collections.abc import Callable

log = logging.getLogger(__name__)

#: Set to "signal" to use asyncio's signal handling (the fallback) even where a signalfd would work.
WAKEUP_ENV = "DAP_THREADS_WAKEUP"

_SFD_NONBLOCK = os.O_NONBLOCK
_SFD_CLOEXEC = os.O_CLOEXEC
_SIGINFO_SIZE = 128  # struct signalfd_siginfo


class _SigSet(ctypes.Structure):
    # The kernel's sigset_t is 64 bits; glibc's is 1024. signalfd takes the size separately.
    _fields_ = [("bits", ctypes.c_ulong * 16)]


def block_early() -> None:
    """Block SIGCHLD in the calling thread: call before any thread is started, so every thread inherits it."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})


def _blocked_in_every_thread() -> bool:
    bit = 1 << (signal.SIGCHLD - 1)
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return False
    for tid in tasks:
        try:
            with open(f"/proc/self/task/{tid}/status", "rb") as f:
                for line in f:
                    if line.startswith(b"SigBlk:"):
                        if not int(line.split()[1], 16) & bit:
                            return False
                        break
        except FileNotFoundError:
            continue  # that thread has ended
    return True


def _signalfd() -> int:
    libc = ctypes.CDLL("libc.so.6", use_errno=True)  # as in ptrace.py
    mask = _SigSet()
    mask.bits[0] = 1 << (signal.SIGCHLD - 1)
    fd = int(libc.signalfd(-1, ctypes.byref(mask), _SFD_NONBLOCK | _SFD_CLOEXEC))
    if fd < 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"signalfd: {os.strerror(errno)}")
    return fd


class SigchldFd:
    """A signalfd for SIGCHLD, read by the loop; ``on_sigchld`` runs in the iteration that saw it."""

    def __init__(self, loop: asyncio.AbstractEventLoop, fd: int, on_sigchld: Callable[[], None]) -> None:
        self._loop = loop
        self._fd = fd
        self._on_sigchld = on_sigchld
        loop.add_reader(fd, self._readable)

    @classmethod
    def open(cls, loop: asyncio.AbstractEventLoop, on_sigchld: Callable[[], None]) -> SigchldFd | None:
        """The signalfd, or None where SIGCHLD cannot be blocked in every thread (use asyncio's handler)."""
        if os.environ.get(WAKEUP_ENV) == "signal":
            return None
        block_early()  # this thread (the loop's) at least
        if not _blocked_in_every_thread():
            log.info("a thread of this process does not block SIGCHLD: waking on asyncio's signal handler instead")
            return None
        try:
            fd = _signalfd()
        except (OSError, AttributeError) as exc:
            log.info("no signalfd (%s): waking on asyncio's signal handler instead", exc)
            return None
        return cls(loop, fd, on_sigchld)

    def _readable(self) -> None:
        try:
            os.read(self._fd, _SIGINFO_SIZE * 16)
        except BlockingIOError:
            pass
        self._on_sigchld()

    def close(self) -> None:
        self._loop.remove_reader(self._fd)
        os.close(self._fd)
