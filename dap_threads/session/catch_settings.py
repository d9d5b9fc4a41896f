"""The catchpoints a client set (exception filters), kept by the session and applied to each program it traces."""

from __future__ import annotations

from ..engine.newthread import NewThreadWatch
from ..engine.syscalls.catch import SyscallCatch, set_syscall_catch
from ..engine.tracer import Tracer


class Catchpoints:
    """What is set. A filter that is off is False; None means "every thread / every call"."""

    def __init__(self) -> None:
        self.new_thread = False
        self.new_thread_globs: tuple[str, ...] | None = None
        self.syscall = False
        self.syscall_names: frozenset[str] | None = None

    def apply(self, tracer: Tracer) -> None:
        """Make ``tracer`` catch what is set (on the ptrace owner: it may interrupt running threads)."""
        if not tracer.is_live:
            return
        tracer.new_threads = NewThreadWatch(tracer.pid, self.new_thread_globs) if self.new_thread else None
        set_syscall_catch(tracer, SyscallCatch(tracer.pid, self.syscall_names) if self.syscall else None)
