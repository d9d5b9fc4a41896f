"""What the engine tells its listeners. Plain records, no DAP in them.

A tracer publishes a list of these after each waitpid drain (or after an
operation such as attach), in the order the facts were learned.
"""

from __future__ import annotations

import attrs


@attrs.frozen
class ThreadStarted:
    tid: int
    #: the tid whose clone created it; None for threads that existed at attach
    creator: int | None
    time: float


@attrs.frozen
class ThreadExited:
    tid: int
    time: float


@attrs.frozen
class AllStopped:
    """Every thread is in ptrace-stop: the answer to pause, stop-on-entry or stop-on-attach."""

    reason: str  # "pause" or "entry"
    tid: int


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
    """A forked child, left to run untraced (following forks is not supported yet)."""

    pid: int
    parent: int
    how: str  # "fork" or "vfork"


@attrs.frozen
class Exec:
    """The process ran execve: a new program (its modules, its code) in the same pid."""

    pid: int
    time: float


Event = ThreadStarted | ThreadExited | AllStopped | ProcessExited | Output | ChildDetached | Exec
