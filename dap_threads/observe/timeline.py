"""A recording of the threads' lives: births, exits, sampled states, pauses. Bounded, and exportable.

What is kept:
- the thread lives themselves are the lineage's nodes (one record per life,
  shared with the creation tree; bounded by the lineage's ``max_exited``);
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

``id`` is stable for a life (a reused tid gets a new one); ``creator`` is the
id of the creator's life, null when there is none or it was forgotten.
"""

from __future__ import annotations

import array
import time as _time
from collections.abc import Iterator
from typing import Any

from ..engine.events import AllStopped, Event, ThreadExited, ThreadStarted
from .facts import ThreadFacts
from .lineage import Lineage, Node
from .sampler import Snapshot

CHUNK = 4096
#: Items a live reader may leave unread before it is sent everything again instead.
BATCH_LIMIT = 500_000


class _Chunk:
    """CHUNK state changes in columns: 8 + 4 + 2 + 4 bytes each."""

    __slots__ = ("cpu", "label", "serial", "time")

    def __init__(self) -> None:
        self.time = array.array("d")
        self.serial = array.array("q")
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
        lineage: Lineage | None = None,
        max_threads: int = 200_000,
        max_changes: int = 2_000_000,
        cpu_step: float = 10.0,
    ) -> None:
        self.pid = pid
        self.name = name
        self.lineage = lineage if lineage is not None else Lineage(pid, attached=attached, max_exited=max_threads)
        self.max_changes = max(CHUNK, max_changes)
        self.cpu_step = cpu_step
        self.first: float | None = None  # the earliest time seen (Unix time)
        self.last: float = 0.0  # the latest
        self._labels: dict[tuple[str, str, str], int] = {}
        self._chunks: list[_Chunk] = [_Chunk()]
        self._changes = 0
        self.pauses: list[list[float | None]] = []  # Unix times
        self.dropped_changes = 0
        self.dropped_before: float | None = None
        #: nodes only samples know of (no engine events): they end when samples lose them
        self._sampled_only: dict[int, Node] = {}
        self._batch: _Batch | None = None  # None until a live reader asks (take_batch)

    # ----- lifecycle -----------------------------------------------------------------

    def on_events(self, batch: list[Event]) -> None:
        """A ``Tracer.subscribe`` listener: births and exits (into the lineage), all-stops (a pause begins)."""
        # One pass, calling the lineage directly: this runs on the hot path of thread creation.
        started, exited = self.lineage.started, self.lineage.exited
        for event in batch:
            if isinstance(event, ThreadStarted):
                started(event.tid, event.creator, event.time)
            elif isinstance(event, ThreadExited):
                exited(event.tid, event.time)
            elif isinstance(event, AllStopped):
                self.paused()

    def thread_started(self, tid: int, creator: int | None, at: float, name: str | None = None) -> Node:
        return self.lineage.started(tid, creator, at, name)

    def thread_exited(self, tid: int, at: float) -> None:
        self.lineage.exited(tid, at)

    def paused(self, at: float | None = None) -> None:
        if self.is_paused:
            return
        self.pauses.append([self._seen(_time.time() if at is None else at), None])
        if self._batch is not None:
            self._batch.pauses.append(self.pauses[-1])

    def resumed(self, at: float | None = None) -> None:
        if self.is_paused:
            self.pauses[-1][1] = self._seen(_time.time() if at is None else at)
            if self._batch is not None:
                self._batch.pauses.append(self.pauses[-1])

    @property
    def is_paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1][1] is None

    def _seen(self, at: float) -> float:
        if self.first is None or at < self.first:
            self.first = at
        if at > self.last:
            self.last = at
        return at

    # ----- samples ---------------------------------------------------------------------

    def record(self, snapshot: Snapshot) -> None:
        """Keep each thread's change of state, wait or CPU% since its previous sample."""
        at = snapshot.wall
        if snapshot.threads:  # a sample of a process that ended does not stretch its timeline
            self._seen(at)
        if snapshot.paused:
            return  # stale facts: nothing new to record
        lineage = self.lineage
        for facts in snapshot.threads.values():
            node = lineage.nodes.get(facts.tid)
            if node is not None and node.exited is not None and node.exited >= at:
                continue  # it ended while the sample was being taken: it is no new thread
            if node is None or node.exited is not None:
                node = lineage.sampled(facts.tid, at, facts.name)
                self._sampled_only[node.serial] = node
            self._sampled(node, facts, at)
        for serial, node in list(self._sampled_only.items()):
            if not node.sampled or node.exited is not None:
                del self._sampled_only[serial]  # the engine told its birth or its end since
            elif node.tid not in snapshot.threads:
                del self._sampled_only[serial]
                lineage.exited(node.tid, at)

    def _sampled(self, node: Node, facts: ThreadFacts, at: float) -> None:
        if facts is node.last:
            return  # the sampler hands back the very same facts for a thread in which nothing changed
        node.last = facts
        if node.name != facts.name:
            node.name = facts.name
            if self._batch is not None:
                self._batch.names.append([node.serial, facts.name])
        label = self._label(facts.state.letter, facts.wait_short, facts.state.label)
        cpu = -1.0 if facts.cpu_percent is None else round(facts.cpu_percent, 1)
        if label == node.label and (cpu < 0 or abs(cpu - node.usage) < self.cpu_step):
            return
        node.label, node.usage = label, cpu
        self._append_change(at, node.serial, label, cpu)

    def _append_change(self, at: float, serial: int, label: int, cpu: float) -> None:
        chunk = self._chunks[-1]
        if len(chunk) >= CHUNK:
            chunk = _Chunk()
            self._chunks.append(chunk)
        chunk.time.append(at)
        chunk.serial.append(serial)
        chunk.label.append(label)
        chunk.cpu.append(cpu)
        self._changes += 1
        if self._batch is not None:
            self._batch.changes.append((at, serial, label, cpu))
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
            if self._batch is not None:
                self._batch.labels.append(list(key))
        return index

    # ----- export ----------------------------------------------------------------------------

    def changes(self) -> Iterator[tuple[float, int, int, float]]:
        """(Unix time, life id, label, cpu) of every kept change, oldest first."""
        for chunk in self._chunks:
            yield from zip(chunk.time, chunk.serial, chunk.label, chunk.cpu)

    def labels(self) -> list[list[str]]:
        return [list(key) for key in self._labels]

    def t0(self) -> float:
        starts = [t for t in (self.lineage.start, self.first) if t is not None]
        return min(starts) if starts else 0.0

    def end(self, t0: float) -> float:
        ends = [self.last, *(n.exited or n.born for n in self.lineage.nodes.values())]
        return max(0.0, max(ends) - t0)

    def to_data(self) -> dict[str, Any]:
        """Everything, in the documented format."""
        t0 = self.t0()
        nodes = self.lineage.remembered()
        states: dict[int, list[float]] = {node.serial: [] for node in nodes}
        for at, serial, label, cpu in self.changes():
            flat = states.get(serial)
            if flat is not None:
                flat.extend((round(at - t0, 6), label, round(cpu, 1)))
        return {
            "version": 1,
            "pid": self.pid,
            "name": self.name,
            "t0": t0,
            "end": round(self.end(t0), 6),
            "labels": self.labels(),
            "threads": [self._node_data(node, t0, states[node.serial]) for node in nodes],
            "pauses": [_pause(pause, t0) for pause in self.pauses],
            "dropped": {
                "threads": self.lineage.forgotten,
                "changes": self.dropped_changes,
                "before": None if self.dropped_before is None else round(self.dropped_before - t0, 6),
            },
        }

    def _node_data(self, node: Node, t0: float, states: list[float]) -> dict[str, Any]:
        if node.sampled:
            origin = "sampled"
        elif node.creator is not None:
            origin = "clone"
        else:
            origin = "attach" if self.lineage.attached else "launch"
        return {
            "id": node.serial,
            "tid": node.tid,
            "name": node.name,
            "creator": node.parent.serial if node.parent is not None else None,
            "born": round(node.born - t0, 6),
            "exited": None if node.exited is None else round(node.exited - t0, 6),
            "origin": origin,
            "states": states,
        }

    def take_batch(self) -> dict[str, Any]:
        """What changed since the last call: new labels, threads, names, exits, changes and pauses.

        The first call starts the bookkeeping (a recorder nobody reads live keeps
        no batch) and returns everything so far, as ``to_data()`` does, with
        ``"full": true``; so does a call after more than ``BATCH_LIMIT`` items
        piled up unread: the reader then starts over from it. Times are relative
        to the ``t0`` of that full answer.
        """
        lineage = self.lineage
        journal = lineage.journal
        if self._batch is None or journal is None or self._batch.size + len(journal) > BATCH_LIMIT:
            lineage.journal = []
            data = self.to_data()
            self._batch = _Batch(data["t0"], lineage.next_serial)
            return {**data, "full": True}
        batch, self._batch = self._batch, _Batch(self._batch.t0, lineage.next_serial)
        lineage.journal = []
        t0, touched = batch.t0, list(_unique(journal))
        return {
            "full": False,
            "end": round(self.end(t0), 6),
            "labels": batch.labels,
            "threads": [self._node_data(node, t0, []) for node in touched if node.serial >= batch.watermark],
            "names": batch.names,
            "exits": [[node.serial, round(node.exited - t0, 6)] for node in touched if node.exited is not None],
            "changes": [[serial, round(at - t0, 6), label, cpu] for at, serial, label, cpu in batch.changes],
            "pauses": [_pause(pause, t0) for pause in batch.pauses],
        }


class _Batch:
    """What a live reader has not been sent yet (besides the lineage's journal)."""

    __slots__ = ("changes", "labels", "names", "pauses", "t0", "watermark")

    def __init__(self, t0: float, watermark: int) -> None:
        self.t0 = t0
        #: the first life id the reader has not been sent
        self.watermark = watermark
        self.labels: list[list[str]] = []
        self.names: list[list[Any]] = []
        self.changes: list[tuple[float, int, int, float]] = []
        self.pauses: list[list[float | None]] = []

    @property
    def size(self) -> int:
        return len(self.names) + len(self.changes)


def _unique(nodes: list[Node]) -> Iterator[Node]:
    seen: set[int] = set()
    for node in nodes:
        if node.serial not in seen:
            seen.add(node.serial)
            yield node


def _pause(pause: list[float | None], t0: float) -> list[float | None]:
    return [None if t is None else round(t - t0, 6) for t in pause]
