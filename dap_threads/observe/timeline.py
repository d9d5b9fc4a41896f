"""A recording of the threads' lives: births, exits, sampled states, pauses. Bounded, and exportable.

What is kept:
- a record per thread life (tid, name, creator, birth, exit), at most
  ``max_threads`` (the oldest exited are dropped first);
- state *changes* (a thread's state or wait differs from its previous sample,
  or its CPU% moved by ``cpu_step`` points), in columns of compact arrays,
  chunk by chunk, at most ``max_changes`` (the oldest chunk is dropped);
- the moments the program was paused.

``to_data()`` gives everything as one JSON-ready dict (the format the HTML
page draws, below); ``take_batch()`` gives what was added since the last call,
in the same shapes, for a live view that is fed as the session runs.

Data format (version 1). Times are seconds since ``t0`` (a Unix time)::

    {"version": 1, "pid": 4242, "name": "seed", "t0": 1767225600.0, "end": 12.5,
     "labels": [["R", "", "running"], ["S", "futex", "sleeping"], ...],   # state letter, wait, words
     "threads": [{"id": 0, "tid": 4242, "name": "seed", "creator": null, "born": 0.0, "exited": null,
                  "origin": "attach" | "launch" | "clone" | "sampled",
                  "states": [t, label, cpu, t, label, cpu, ...]}, ...],     # cpu: % of one CPU, -1 unknown
     "pauses": [[3.2, 5.0], [9.1, null]],
     "dropped": {"threads": 0, "changes": 0, "before": null}}

``creator`` is the id of the creator's record (ids are stable; a reused tid
gets a new id), null when there is none or it was dropped.
"""

from __future__ import annotations

import array
import collections
import time as _time
from collections.abc import Iterator
from typing import Any

import attrs

from ..engine.events import AllStopped, Event, ThreadExited, ThreadStarted
from .facts import ThreadFacts
from .sampler import Snapshot

CHUNK = 4096
#: Items a live reader may leave unread before it is sent everything again instead.
BATCH_LIMIT = 500_000


@attrs.define(slots=True, eq=False)
class Life:
    id: int
    tid: int
    born: float
    creator: int | None  # the creator's Life id
    origin: str
    name: str | None = None
    exited: float | None = None
    last_label: int = -1
    last_cpu: float = -1.0


class _Chunk:
    """CHUNK state changes in columns: 8 + 4 + 2 + 4 bytes each."""

    __slots__ = ("cpu", "label", "life", "time")

    def __init__(self) -> None:
        self.time = array.array("d")
        self.life = array.array("i")
        self.label = array.array("H")
        self.cpu = array.array("f")

    def __len__(self) -> int:
        return len(self.time)


class Timeline:
    """Lifecycle events and state samples of one process, in bounded memory."""

    def __init__(
        self,
        pid: int,
        *,
        name: str | None = None,
        attached: bool = True,
        max_threads: int = 200_000,
        max_changes: int = 2_000_000,
        cpu_step: float = 10.0,
    ) -> None:
        self.pid = pid
        self.name = name
        self.attached = attached
        self.max_threads = max_threads
        self.max_changes = max(CHUNK, max_changes)
        self.cpu_step = cpu_step
        self.t0: float | None = None
        self.end: float = 0.0
        self.lives: dict[int, Life] = {}  # by id, in birth order
        self._by_tid: dict[int, Life] = {}
        self._labels: dict[tuple[str, str, str], int] = {}
        self._chunks: list[_Chunk] = [_Chunk()]
        self._changes = 0
        self.pauses: list[list[float | None]] = []
        self.dropped_threads = 0
        self.dropped_changes = 0
        self.dropped_before: float | None = None
        self._next_id = 0
        self._exit_order: collections.deque[Life] = collections.deque()
        #: live records that only samples know of (no engine events): they end when samples lose them
        self._sampled_only: dict[int, Life] = {}
        self._batch = _Batch()
        self._batching = False

    # ----- lifecycle -----------------------------------------------------------------

    def on_events(self, batch: list[Event]) -> None:
        """A ``Tracer.subscribe`` listener: births, exits, and all-stops (the start of a pause)."""
        for event in batch:
            if isinstance(event, ThreadStarted):
                self.thread_started(event.tid, event.creator, event.time)
            elif isinstance(event, ThreadExited):
                self.thread_exited(event.tid, event.time)
            elif isinstance(event, AllStopped):
                self.paused()

    def thread_started(self, tid: int, creator: int | None, at: float, name: str | None = None) -> Life:
        known = self._by_tid.get(tid)
        if known is not None and known.exited is None:
            if known.origin == "sampled":
                # A sample saw it before its birth was published: the event knows better.
                self._sampled_only.pop(known.id, None)
                known.origin = "clone" if creator is not None else ("attach" if self.attached else "launch")
                parent = self._by_tid.get(creator) if creator is not None else None
                known.creator = parent.id if parent is not None and parent is not known else None
                known.born = min(known.born, self._rel(at))
            return known
        origin = "clone" if creator is not None else ("attach" if self.attached else "launch")
        parent = self._by_tid.get(creator) if creator is not None else None
        return self._new_life(tid, at, parent.id if parent is not None else None, origin, name)

    def thread_exited(self, tid: int, at: float) -> None:
        life = self._by_tid.get(tid)
        if life is None or life.exited is not None:
            return
        life.exited = self._rel(at)
        self.end = max(self.end, life.exited)
        self._exit_order.append(life)
        self._sampled_only.pop(life.id, None)
        if self._batch_open():
            self._batch.exits.append([life.id, life.exited])

    def paused(self, at: float | None = None) -> None:
        if self.pauses and self.pauses[-1][1] is None:
            return
        start = self._rel(_time.time() if at is None else at)
        self.end = max(self.end, start)
        self.pauses.append([start, None])
        if self._batch_open():
            self._batch.pauses.append(self.pauses[-1])

    def resumed(self, at: float | None = None) -> None:
        if self.pauses and self.pauses[-1][1] is None:
            self.pauses[-1][1] = stop = self._rel(_time.time() if at is None else at)
            self.end = max(self.end, stop)
            if self._batch_open():
                self._batch.pauses.append(self.pauses[-1])

    @property
    def is_paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1][1] is None

    # ----- samples ---------------------------------------------------------------------

    def record(self, snapshot: Snapshot) -> None:
        """Keep each thread's change of state, wait or CPU% since its previous sample."""
        at = self._rel(snapshot.wall)
        if snapshot.threads:  # a sample of a process that ended does not stretch its timeline
            self.end = max(self.end, at)
        if snapshot.paused:
            return  # stale facts: nothing new to record
        for facts in snapshot.threads.values():
            life = self._by_tid.get(facts.tid)
            if life is not None and life.exited is not None and life.exited >= at:
                continue  # it ended while the sample was being taken (or recorded): it is no new thread
            if life is None or life.exited is not None:
                life = self._new_life(facts.tid, snapshot.wall, None, "sampled", facts.name)
                self._sampled_only[life.id] = life
            self._sampled(life, facts, at)
        for life in [life for life in self._sampled_only.values() if life.tid not in snapshot.threads]:
            self.thread_exited(life.tid, snapshot.wall)

    def _sampled(self, life: Life, facts: ThreadFacts, at: float) -> None:
        if life.name != facts.name:
            life.name = facts.name
            if self._batch_open():
                self._batch.names.append([life.id, facts.name])
        label = self._label(facts.state.letter, facts.wait_short, facts.state.label)
        cpu = -1.0 if facts.cpu_percent is None else round(facts.cpu_percent, 1)
        if label == life.last_label and (cpu < 0 or abs(cpu - life.last_cpu) < self.cpu_step):
            return
        life.last_label, life.last_cpu = label, cpu
        self._append_change(at, life.id, label, cpu)

    def _append_change(self, at: float, life: int, label: int, cpu: float) -> None:
        chunk = self._chunks[-1]
        if len(chunk) >= CHUNK:
            chunk = _Chunk()
            self._chunks.append(chunk)
        chunk.time.append(at)
        chunk.life.append(life)
        chunk.label.append(label)
        chunk.cpu.append(cpu)
        self._changes += 1
        if self._batch_open():
            self._batch.changes.append([life, round(at, 6), label, cpu])
        if self._changes > self.max_changes:
            oldest = self._chunks.pop(0)
            self._changes -= len(oldest)
            self.dropped_changes += len(oldest)
            self.dropped_before = oldest.time[-1]

    def _label(self, letter: str, wait: str, words: str) -> int:
        key = (letter, wait, words)
        index = self._labels.get(key)
        if index is None:
            index = self._labels[key] = len(self._labels)
            if self._batch_open():
                self._batch.labels.append(list(key))
        return index

    def _batch_open(self) -> bool:
        # Past the limit the batch stops growing; take_batch then sends everything.
        return self._batching and self._batch.size <= BATCH_LIMIT

    # ----- thread records ------------------------------------------------------------------

    def _rel(self, at: float) -> float:
        if self.t0 is None:
            self.t0 = at
        return at - self.t0

    def _new_life(self, tid: int, at: float, creator: int | None, origin: str, name: str | None) -> Life:
        life = Life(self._next_id, tid, self._rel(at), creator, origin, name)
        self._next_id += 1
        self.lives[life.id] = life
        self._by_tid[tid] = life
        self.end = max(self.end, life.born)
        if self._batch_open():
            self._batch.threads.append(life)
        if len(self.lives) > self.max_threads:
            self._drop_oldest_exited()
        return life

    def _drop_oldest_exited(self) -> None:
        if not self._exit_order:
            return  # all alive: they are all worth keeping
        life = self._exit_order.popleft()
        del self.lives[life.id]
        if self._by_tid.get(life.tid) is life:
            del self._by_tid[life.tid]
        self.dropped_threads += 1

    # ----- export ----------------------------------------------------------------------------

    def changes(self) -> Iterator[tuple[float, int, int, float]]:
        """(time, life id, label, cpu) of every kept change, oldest first."""
        for chunk in self._chunks:
            yield from zip(chunk.time, chunk.life, chunk.label, chunk.cpu)

    def labels(self) -> list[list[str]]:
        return [list(key) for key in self._labels]

    def to_data(self, now: float | None = None) -> dict[str, Any]:
        """Everything, in the documented format."""
        states: dict[int, list[float]] = {life_id: [] for life_id in self.lives}
        for at, life_id, label, cpu in self.changes():
            flat = states.get(life_id)
            if flat is not None:
                flat.extend((round(at, 6), label, round(cpu, 1)))
        end = self.end if now is None or self.t0 is None else max(self.end, now - self.t0)
        return {
            "version": 1,
            "pid": self.pid,
            "name": self.name,
            "t0": self.t0 or 0.0,
            "end": round(end, 6),
            "labels": self.labels(),
            "threads": [_life_data(life, states[life.id]) for life in self.lives.values()],
            "pauses": [list(pause) for pause in self.pauses],
            "dropped": {
                "threads": self.dropped_threads,
                "changes": self.dropped_changes,
                "before": self.dropped_before,
            },
        }

    def take_batch(self) -> dict[str, Any]:
        """What changed since the last call: new labels, threads, names, exits, changes and pauses.

        The first call starts the bookkeeping (a recorder nobody reads live keeps
        no batch) and returns everything so far, as ``to_data()`` does, with
        ``"full": true``; so does a call after more than ``BATCH_LIMIT`` items
        piled up unread: the reader then starts over from it.
        """
        if not self._batching or self._batch.size > BATCH_LIMIT:
            self._batching = True
            self._batch = _Batch()
            return {**self.to_data(), "full": True}
        batch, self._batch = self._batch, _Batch()
        return {
            "full": False,
            "t0": self.t0 or 0.0,
            "end": round(self.end, 6),
            "labels": batch.labels,
            "threads": [_life_data(life, []) for life in batch.threads],
            "names": batch.names,
            "exits": batch.exits,
            "changes": batch.changes,
            "pauses": [list(pause) for pause in batch.pauses],
        }


@attrs.define(slots=True)
class _Batch:
    labels: list[list[str]] = attrs.Factory(list)
    threads: list[Life] = attrs.Factory(list)
    names: list[list[Any]] = attrs.Factory(list)
    exits: list[list[float]] = attrs.Factory(list)
    changes: list[list[float]] = attrs.Factory(list)
    pauses: list[list[float | None]] = attrs.Factory(list)

    @property
    def size(self) -> int:
        return len(self.threads) + len(self.names) + len(self.exits) + len(self.changes)


def _life_data(life: Life, states: list[float]) -> dict[str, Any]:
    return {
        "id": life.id,
        "tid": life.tid,
        "name": life.name,
        "creator": life.creator,
        "born": round(life.born, 6),
        "exited": None if life.exited is None else round(life.exited, 6),
        "origin": life.origin,
        "states": states,
    }
