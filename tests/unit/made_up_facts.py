"""Thread facts and snapshots written by hand, for the tests of what consumes them (timeline, exporters)."""

from __future__ import annotations

from dap_threads.engine.syscalls import Call
from dap_threads.observe.facts import ThreadFacts, ThreadState
from dap_threads.observe.sampler import Snapshot

FUTEX = Call(202, "futex", (0x1000, 128, 0, 0, 0, 0))


def facts(tid: int, state: str, cpu: float | None = 0.0, name: str = "w", syscall: Call | None = FUTEX) -> ThreadFacts:
    letter = ThreadState.of(state)
    return ThreadFacts(tid, name, letter, cpu, 0.0, 0.0, 0, None, syscall if letter.blocked else None, 1, 0, "0-1")


def snapshot(at: float, *threads: ThreadFacts, paused: bool = False) -> Snapshot:
    return Snapshot(at, at, {f.tid: f for f in threads}, paused, 0.0)
