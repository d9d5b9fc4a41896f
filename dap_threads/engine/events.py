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
class AllStopped:
    """Every thread is in ptrace-stop: the answer to pause, stop-on-entry or stop-on-attach."""

    reason: str  # "pause" or "entry"
    tid: int


@attrs.frozen
class ProcessExited:
    exit_code: int
    description: str


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


Event = ThreadStarted | ThreadExited | AllStopped | ProcessExited | Output | ChildDetached
