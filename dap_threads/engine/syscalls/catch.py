"""Syscall catchpoints: which calls stop the program (or are only reported), and the call each thread is in.

The tracer resumes threads with PTRACE_SYSCALL while a catchpoint is set,
so every call of every thread stops at its entry and at its exit (man 2
ptrace, "Syscall-stops"); PTRACE_O_TRACESYSGOOD marks those stops
(SIGTRAP | 0x80) so that they cannot be taken for a SIGTRAP the program
received. For each stop this module reads the call (``info``), and says
whether it is caught: an entry whose name is in the set, or the exit of a
call caught at its entry (the exit alone does not say which call it ends).
"""

from __future__ import annotations

import difflib
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .. import peek, procfs, ptrace
from ..events import SyscallCaught, SyscallSeen
from ..owner import on_ptrace_owner
from . import Abi, host_abi, name_of, names
from .arguments import describe_call, describe_result
from .info import OP_ENTRY, OP_EXIT, OP_SECCOMP, SyscallInfo, syscall_info
from .seccomp import OUR_RET_DATA
from .skip import skip_call

if TYPE_CHECKING:
    from ..thread import TracedThread
    from ..tracer import Tracer

#: Calls that never return to the caller: no exit stop will end them.
_NO_RETURN = frozenset({"exit", "exit_group"})

#: The kernel's restart codes (ERESTARTSYS .. ERESTART_RESTARTBLOCK, linux/errno.h): a call interrupted
#: (by our own PTRACE_INTERRUPT of an all-stop, or a signal) that the kernel runs again; the program
#: never sees them.
_RESTART = range(512, 517)
_NAME_SECONDS = 0.25


class ProcessMemory:
    """``arguments.Memory`` of one process, read with process_vm_readv."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def string(self, address: int, limit: int) -> bytes | None:
        return peek.read_c_string(self.pid, address, limit)

    def read(self, address: int, size: int) -> bytes | None:
        return peek.read_bytes(self.pid, address, size)


def parse_names(text: str, abi: Abi | None = None) -> tuple[frozenset[str] | None, list[str]]:
    """The calls a condition names (``"openat, connect"``; ``*`` for all: None), and the names not known.

    Names are checked against the syscall table of ``abi`` (the machine's by
    default), so a typo is reported instead of silently catching nothing.
    """
    words = [word for word in text.replace(",", " ").split() if word]
    if not words or "*" in words or "all" in words:
        return None, []
    table = set(names(abi or host_abi() or Abi.X86_64).values())
    unknown = [word for word in words if word not in table]
    return frozenset(words) - set(unknown), unknown


def suggestion(name: str, abi: Abi | None = None) -> str:
    """`` (did you mean openat?)`` for a misspelt call name, or ""."""
    table = sorted(set(names(abi or host_abi() or Abi.X86_64).values()))
    close = difflib.get_close_matches(name, table, n=3)
    return f" (did you mean {' or '.join(close)}?)" if close else ""


class SyscallCatch:
    """The catchpoint's set of calls, and the caught call each thread is in (from entry to exit)."""

    def __init__(self, pid: int, calls: Iterable[str] | None, *, stop: bool = True, via_seccomp: bool = False) -> None:
        #: None: every call
        self.calls = frozenset(calls) if calls is not None else None
        #: False: calls are reported (SyscallSeen) but the program is not stopped (``run --syscalls``)
        self.stop = stop
        #: the program runs under a filter that hands over only these calls (``seccomp``), so
        #: threads resume with PTRACE_CONT but for the exit of a caught call
        self.via_seccomp = via_seccomp
        self._memory = ProcessMemory(pid)
        self._open: dict[int, SyscallCaught] = {}  # tid -> the caught call it is in
        self._restarting: set[int] = set()  # tids whose caught call the kernel is about to run again
        self._names: dict[int, tuple[float, str]] = {}  # tid -> (when read, its name)

    def thread_name(self, tid: int) -> str:
        """The thread's name, read again at most every ``_NAME_SECONDS`` (a read per call would cost
        as much as the call's stop)."""
        now = time.monotonic()
        known = self._names.get(tid)
        if known is not None and now - known[0] < _NAME_SECONDS:
            return known[1]
        name = procfs.thread_name(self._memory.pid, tid) or (known[1] if known else "?")
        if len(self._names) > 4096:
            self._names.clear()
        self._names[tid] = (now, name)
        return name

    def catches(self, name: str) -> bool:
        return self.calls is None or name in self.calls

    def on_stop(self, tid: int, info: SyscallInfo | None = None) -> SyscallCaught | None:
        """The call ``tid`` is stopped at (``info``, read if not given), if the catchpoint catches it
        (runs on the ptrace owner)."""
        info = info or syscall_info(tid)
        if info.op in (OP_ENTRY, OP_SECCOMP):
            name = name_of(info.number, info.abi or host_abi() or Abi.X86_64)
            if tid in self._restarting:
                self._restarting.discard(tid)
                entry = self._open.get(tid)
                if entry is not None and name in (entry.name, "restart_syscall"):
                    return None  # the same call, run again: one call for the user, as the program sees it
            if not self.catches(name):
                self._open.pop(tid, None)
                return None
            caught = SyscallCaught(
                tid, info.number, name, "entry", info.args, describe_call(name, info.args, self._memory)
            )
            if name not in _NO_RETURN:
                self._open[tid] = caught
            return caught
        if info.op == OP_EXIT:
            if info.is_error and -info.rval in _RESTART and tid in self._open:
                self._restarting.add(tid)  # not its end: the kernel restarts it
                return None
            entry = self._open.pop(tid, None)
            if entry is None:
                return None
            return SyscallCaught(
                tid,
                entry.number,
                entry.name,
                "exit",
                entry.args,
                entry.call,
                info.rval,
                describe_result(entry.name, info.rval, info.is_error),
            )
        return None

    def open_call(self, tid: int) -> SyscallCaught | None:
        """The caught call ``tid`` has entered and not yet left (execve, exit_group never return)."""
        return self._open.get(tid)

    def moved(self, former: int, tid: int) -> None:
        """An exec gave the thread ``former`` the leader's tid: its call (execve) is now ``tid``'s."""
        call = self._open.pop(former, None)
        if call is not None:
            self._open[tid] = call

    def forget(self, tid: int) -> None:
        self._open.pop(tid, None)
        self._restarting.discard(tid)


def on_syscall_stop(tracer: Tracer, thread: TracedThread) -> None:
    """A syscall-stop of ``thread``: catch it if the catchpoint wants it, then resume or hold it as usual."""
    _on_stop(tracer, thread)


def on_seccomp_stop(tracer: Tracer, thread: TracedThread) -> None:
    """A call a seccomp filter handed over (PTRACE_EVENT_SECCOMP, before the call runs): its entry.

    Our filter's (``seccomp``), or the program's own: that call fails with ENOSYS
    as if we were not there (``skip``), and a trace shows it failing so.
    """
    try:
        info = syscall_info(thread.tid)
        if info.ret_data != OUR_RET_DATA:
            skip_call(thread.tid)
    except ProcessLookupError:
        info = None  # killed meanwhile: its exit status follows
    _on_stop(tracer, thread, info)


def _on_stop(tracer: Tracer, thread: TracedThread, info: SyscallInfo | None = None) -> None:
    thread.stopped = True
    thread.vfork_wait = False
    thread.group_stop = False
    catch = tracer.syscalls
    caught = None
    if catch is not None:
        try:
            caught = catch.on_stop(thread.tid, info)
        except ProcessLookupError:
            return  # killed meanwhile (SIGKILL needs no stop): its exit status follows
    if caught is not None and catch is not None:
        if catch.stop:
            tracer.catch(caught)
        elif caught.phase == "exit" or caught.name in _NO_RETURN:  # a trace shows a call once, when it ends
            tracer.emit(SyscallSeen(caught, time.time(), catch.thread_name(thread.tid)))
    if thread.want_running:
        thread.leave_stop(0, tracer.request_for(thread))
    else:
        tracer.settled(thread.tid)


@on_ptrace_owner
def set_syscall_catch(tracer: Tracer, catch: SyscallCatch | None) -> None:
    """Catch syscalls in ``tracer``'s process from now on (resume with PTRACE_SYSCALL), or stop catching them."""
    tracer.syscalls = catch
    # A seccomp filter hands over the caught calls itself: the others need no stop.
    request = ptrace.PTRACE_CONT if catch is None or catch.via_seccomp else ptrace.PTRACE_SYSCALL
    if request == tracer.resume_request:
        return
    tracer.resume_request = request
    if catch is None:
        return  # each thread goes back to PTRACE_CONT at its next syscall-stop
    # Running threads were resumed with PTRACE_CONT: a stop makes them take the new request.
    for thread in tracer.live_threads():
        if not thread.stopped and thread.want_running:
            with ptrace.tracee_may_be_gone():
                ptrace.interrupt(thread.tid)
