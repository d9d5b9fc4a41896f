"""What the engine tells its listeners. Plain records, no DAP in them.

A tracer publishes a list of these after each waitpid drain (or after an
operation such as attach), in the order the facts were learned.

The two that every thread lifetime produces (ThreadStarted, ThreadExited)
are mutable attrs classes: a frozen one's __init__ goes through
object.__setattr__, about twice the cost, and a thread storm builds two per
thread. Nobody mutates them.
"""

from __future__ import annotations

import attrs


@attrs.define
class ThreadStarted:
    tid: int
    #: the tid whose clone created it; None for threads that existed at attach
    creator: int | None
    time: float


@attrs.define
class ThreadExited:
    tid: int
    time: float


@attrs.frozen
class NewThreadCaught:
    """The "new thread" catchpoint: ``tid`` was held at its first instruction, before it ran any code."""

    tid: int
    creator: int
    #: the creator's name (comm) when it created the thread; the new thread carries it too until it names itself
    creator_name: str

    def describe(self) -> str:
        return f"thread {self.tid} created by {self.creator_name} ({self.creator})"


@attrs.frozen
class SyscallCaught:
    """A syscall catchpoint: ``tid`` stopped at the entry of a call, or at its exit."""

    tid: int
    number: int
    name: str
    phase: str  # "entry" or "exit"
    args: tuple[int, ...]
    #: the call as a person reads it, ``openat(AT_FDCWD, "/etc/hosts", O_RDONLY|O_CLOEXEC)``
    call: str
    #: at exit: the return value, and how it reads (``3``, ``-1 ENOENT (No such file or directory)``)
    result: int | None = None
    result_text: str | None = None

    def describe(self) -> str:
        if self.phase == "entry":
            return f"syscall entry: {self.call}"
        return f"syscall exit: {self.call} = {self.result_text}"


@attrs.frozen
class ForkCaught:
    """follow-fork-mode "ask": thread ``tid`` forked ``child``; the user chooses which side to follow."""

    tid: int
    child: int
    how: str  # "fork" or "vfork"

    def describe(self) -> str:
        return f"{self.how}: thread {self.tid} created process {self.child}"


#: Why a catchpoint stopped the program.
Cause = NewThreadCaught | SyscallCaught | ForkCaught


@attrs.frozen
class AllStopped:
    """Every thread is in ptrace-stop: the answer to pause, stop-on-entry or stop-on-attach, or a catchpoint."""

    reason: str  # "pause", "entry", or "exception" (a catchpoint: see ``cause``)
    tid: int
    cause: Cause | None = None


@attrs.frozen
class ProcessExited:
    exit_code: int  # the exit status, or 128 + the signal that killed it (as a shell reports it)
    description: str
    signal: int | None = None  # the signal that killed it, if one did


@attrs.frozen
class Output:
    """Bytes the launched program wrote to its stdout or stderr."""

    stream: str  # "stdout" or "stderr"
    text: str


@attrs.frozen
class ChildDetached:
    """A forked child, left to run untraced (follow-fork-mode "parent")."""

    pid: int
    parent: int
    how: str  # "fork" or "vfork"


@attrs.frozen
class ChildHeld:
    """A forked child, held at its first instruction until someone takes it (``fork.ForkFollower``)."""

    pid: int
    parent: int  # the tid that forked it
    how: str  # "fork" or "vfork"


@attrs.frozen
class Exec:
    """The process ran execve: a new program (its modules, its code) in the same pid."""

    pid: int
    time: float
    #: the tid of the thread that called execve (it now has the leader's tid, ``pid``)
    former: int | None = None
    #: the new program's path (/proc/PID/exe), if it could be read
    program: str | None = None


@attrs.frozen
class SyscallSeen:
    """A call traced without stopping (``dap-threads run --syscalls``): its entry, or its exit."""

    caught: SyscallCaught
    time: float
    #: the thread's name at the stop (it may be gone by the time the event is read)
    thread_name: str


Event = (
    ThreadStarted | ThreadExited | AllStopped | ProcessExited | Output | ChildDetached | ChildHeld | Exec | SyscallSeen
)
