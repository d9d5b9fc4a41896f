"""After execve: the same process runs a new program (man 2 ptrace, "execve(2) under ptrace").

The tracer keeps the process across the exec (its threads' bookkeeping is in
``Tracer._on_exec``); this module says what changed: an ``Exec`` event with
the new program's path, so that listeners reload what depends on the program
(its name, its modules). With ``follow_exec`` off the execing thread is held
at its PTRACE_EVENT_EXEC stop, so that whoever listens can detach before the
new program runs a single instruction.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

from .events import Exec

if TYPE_CHECKING:
    from .thread import TracedThread
    from .tracer import Tracer


def program_path(pid: int) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None


def after_exec(tracer: Tracer, thread: TracedThread, former: int) -> None:
    """``thread`` (now carrying the leader's tid) is stopped at its exec event; ``former`` was its tid."""
    if tracer.syscalls is not None:
        tracer.syscalls.moved(former, thread.tid)
    tracer.emit(Exec(tracer.pid, time.time(), former, program_path(tracer.pid)))
    if not tracer.follow_exec:
        thread.want_running = False  # held: the listener detaches (followExec: false)
