"""Who created whom: the threads of a process as a tree, with birth and exit times and names.

Fed by the engine's ``ThreadStarted(tid, creator, time)`` (the creator is the
thread whose clone made it: man 2 ptrace, PTRACE_EVENT_CLONE) and
``ThreadExited``. Threads that existed when the tracer arrived have no
creator: they are roots, "present at attach" (or, for a launched program, its
main thread). It runs on the hot path of thread creation, inside the engine's
event publication, so an event costs a dict lookup and an insert, nothing
that reads /proc: names come later, from the sampler (``rename``) or from
``refresh_names``.

Memory stays bounded: at most ``max_exited`` exited threads are remembered;
beyond that the oldest are forgotten, and their children become roots whose
creator is "forgotten".
"""

from __future__ import annotations

import collections
import itertools
from collections.abc import Iterable, Iterator

import attrs

from ..engine import procfs
from ..engine.events import Event, ThreadExited, ThreadStarted


@attrs.define(slots=True, eq=False, repr=False)
class Node:
    """One thread's life. ``creator`` is a tid (None: present at attach); ``parent`` is its creator's node if known."""

    tid: int
    creator: int | None
    born: float
    serial: int
    parent: Node | None = None
    name: str | None = None
    exited: float | None = None
    #: children by serial, in birth order (a dict: forgetting one is O(1))
    children: dict[int, Node] = attrs.Factory(dict)

    @property
    def alive(self) -> bool:
        return self.exited is None

    @property
    def present_at_start(self) -> bool:
        return self.creator is None

    def __repr__(self) -> str:
        state = "alive" if self.alive else f"exited {self.exited:.3f}"
        return f"Node({self.tid}, {self.name!r}, creator={self.creator}, born={self.born:.3f}, {state})"


class Lineage:
    """The creation tree of one process's threads."""

    def __init__(self, pid: int, *, attached: bool = True, max_exited: int = 100_000) -> None:
        self.pid = pid
        #: attached to a running program (its first threads are "present at attach"), or launched
        self.attached = attached
        self.max_exited = max_exited
        self.start: float | None = None
        #: the latest node of each tid (a tid may be reused once its thread is gone)
        self.nodes: dict[int, Node] = {}
        #: nodes without a known creator node, by serial
        self.roots: dict[int, Node] = {}
        self._exited: collections.deque[Node] = collections.deque()
        self._serials = itertools.count()
        self.forgotten = 0

    # ----- engine events (the hot path) ------------------------------------------

    def on_events(self, batch: list[Event]) -> None:
        """A ``Tracer.subscribe`` listener."""
        for event in batch:
            if isinstance(event, ThreadStarted):
                self.started(event.tid, event.creator, event.time)
            elif isinstance(event, ThreadExited):
                self.exited(event.tid, event.time)

    def started(self, tid: int, creator: int | None, time: float, name: str | None = None) -> Node:
        known = self.nodes.get(tid)
        if known is not None and known.exited is None:
            return known  # announced twice (e.g. the attach scan and a clone event): one life
        if self.start is None:
            self.start = time
        node = Node(tid, creator, time, next(self._serials), name=name)
        parent = self.nodes.get(creator) if creator is not None else None
        if parent is not None and parent.born <= time:
            node.parent = parent
            parent.children[node.serial] = node
        else:
            self.roots[node.serial] = node
        self.nodes[tid] = node
        return node

    def exited(self, tid: int, time: float) -> None:
        node = self.nodes.get(tid)
        if node is None or node.exited is not None:
            return
        node.exited = time
        self._exited.append(node)
        if len(self._exited) > self.max_exited:
            self._forget(self._exited.popleft())

    def _forget(self, node: Node) -> None:
        self.forgotten += 1
        siblings = node.parent.children if node.parent is not None else self.roots
        siblings.pop(node.serial, None)
        for child in node.children.values():
            child.parent = None
            self.roots[child.serial] = child
        node.children.clear()
        if self.nodes.get(node.tid) is node:
            del self.nodes[node.tid]

    # ----- names -----------------------------------------------------------------

    def rename(self, tid: int, name: str) -> None:
        node = self.nodes.get(tid)
        if node is not None and node.exited is None:
            node.name = name

    def refresh_names(self, limit: int = 10_000) -> None:
        """Read the comm of live threads (at most ``limit``) from /proc: they name themselves after birth."""
        for node in itertools.islice(self.live(), limit):
            name = procfs.thread_name(self.pid, node.tid)
            if name is not None:
                node.name = name

    # ----- reading -----------------------------------------------------------------

    def node(self, tid: int) -> Node | None:
        return self.nodes.get(tid)

    def live(self) -> Iterator[Node]:
        return (node for node in self.nodes.values() if node.exited is None)

    def ancestry(self, tid: int) -> list[Node]:
        """The thread, its creator, that one's creator ... up to a root."""
        chain = []
        node = self.nodes.get(tid)
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    def walk(self) -> Iterator[tuple[Node, int]]:
        """Every remembered node with its depth, depth first, children in birth order (no recursion)."""
        stack: list[tuple[Node, int]] = [(root, 0) for root in reversed(self.roots.values())]
        while stack:
            node, depth = stack.pop()
            yield node, depth
            stack.extend((child, depth + 1) for child in reversed(node.children.values()))

    def __len__(self) -> int:
        return len(self.nodes)

    def edges(self) -> Iterable[tuple[int, int]]:
        """(creator tid, tid) for every remembered thread whose creator is known."""
        return ((node.creator, node.tid) for node, _ in self.walk() if node.creator is not None)
