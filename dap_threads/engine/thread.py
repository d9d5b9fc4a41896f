"""One traced thread, as the tracer knows it."""

from __future__ import annotations

from . import ptrace


class TracedThread:
    """State of one tracee.

    ``want_running`` is what the user asked for; ``stopped`` is what the
    kernel did (the thread sits in a ptrace-stop that we hold). A stop of a
    thread the user wants running is resumed at once; a stop of a thread the
    user wants paused is held. A held thread never owes a signal: a signal
    arriving at it is delivered at once and the thread stopped again right
    after (see ``Tracer._deliver_then_hold``).
    """

    __slots__ = (
        "_stopped",
        "creator",
        "exit_announced",
        "group_stop",
        "stop_serial",
        "tid",
        "vfork_wait",
        "want_running",
    )

    def __init__(self, tid: int, creator: int | None, want_running: bool) -> None:
        self.tid = tid
        self.creator = creator
        self.want_running = want_running
        self._stopped = False
        #: counts the thread's ptrace-stops: what was read from a stopped thread
        #: (its stack, its registers) holds while this number stays the same
        self.stop_serial = 0
        self.group_stop = False
        self.exit_announced = False
        #: asleep in vfork until its child execs or exits: it cannot stop, nor run code (``vfork``)
        self.vfork_wait = False

    @property
    def stopped(self) -> bool:
        return self._stopped

    @stopped.setter
    def stopped(self, value: bool) -> None:
        if value and not self._stopped:
            self.stop_serial += 1
        self._stopped = value

    def leave_stop(self, signal: int = 0, request: int = ptrace.PTRACE_CONT) -> None:
        """Leave the ptrace-stop, delivering ``signal`` (man 2 ptrace, "Signal-delivery-stop":
        a signal not re-injected is suppressed), or staying in a group-stop. ``request`` is
        PTRACE_SYSCALL while a syscall catchpoint is set."""
        # try/except rather than ptrace.tracee_may_be_gone(): this runs once
        # per stop, and a context manager costs more than the ptrace call's
        # Python overhead; the meaning is the same (its death reaches us
        # through waitpid).
        try:
            if self.group_stop:
                # man 2 ptrace, "PTRACE_LISTEN": a seized tracee in group-stop
                # stays stopped (as it would untraced) but reports SIGCONT.
                ptrace.listen(self.tid)
            else:
                ptrace.resume(request, self.tid, signal)
        except ProcessLookupError:
            pass
        self.stopped = False

    def __repr__(self) -> str:
        return (
            f"TracedThread({self.tid}, want_running={self.want_running}, stopped={self.stopped}, "
            f"group_stop={self.group_stop})"
        )
