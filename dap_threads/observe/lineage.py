"""Who created whom: the threads of a process as a tree, with birth and exit times and names.

Fed by the engine's ``ThreadStarted(tid, creator, time)`` (the creator is the
thread whose clone made it: man 2 ptrace, PTRACE_EVENT_CLONE) and
``ThreadExited``. Threads that existed when the tracer arrived have no
creator: they are roots, "present at attach" (or, for a launched program, its
main thread). It runs on the hot path of thread creation, inside the engine's
event publication, so an event costs an object, a dict lookup and an insert,
nothing that reads /proc: names come later, from samples (``rename``) or from
``refresh_names``.

Memory stays bounded: at most ``max_exited`` exited threads are remembered;
beyond that the oldest are forgotten, and their children become roots whose
creator is "forgotten".

The timeline records its samples on these same nodes (one record per thread
life for both), and reads what is new through the ``journal``.
"""

from __future__ import annotations

import collections
import itertools
from collections.abc import Iterable, Iterator

from ..engine import procfs
from ..engine.events import Event, ThreadExited, ThreadStarted


class Node:
    """One thread's life. ``creator`` is a tid (None: present at attach); ``parent`` is its creator's node if known."""

    __slots__ = (
        "born",
        "children",
        "creator",
        "exited",
        "label",
        "last",
        "name",
        "parent",
        "sampled",
        "serial",
        "tid",
        "usage",
    )

    def __init__(self, tid: int, creator: int | None, born: float, serial: int, name: str | None) -> None:
        self.tid = tid
        self.creator = creator
        self.born = born
        self.serial = serial
        self.name = name
        self.parent: Node | None = None
        self.exited: float | None = None
        #: children by serial, in birth order; None until the first (a dict: forgetting one is O(1))
        self.children: dict[int, Node] | None = None
        #: known from a sample only, not (yet) from the engine's events
        self.sampled = False
        #: the last state the timeline recorded for it: label index and CPU%, and the facts it came from
        self.label = -1
        self.usage = -1.0
        self.last: object = None

    @property
    def alive(self) -> bool:
        return self.exited is None

    @property
    def present_at_start(self) -> bool:
        return self.creator is None and not self.sampled

    def kids(self) -> Iterable[Node]:
        return self.children.values() if self.children else ()

    def __repr__(self) -> str:
        state = "alive" if self.exited is None else f"exited {self.exited:.3f}"
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
        #: nodes born or exited since the journal was last emptied; None: nobody reads it
        self.journal: list[Node] | None = None
        self._exited: collections.deque[Node] = collections.deque()
        self._serial = 0
        self.forgotten = 0

    # ----- engine events (the hot path) ------------------------------------------

    def on_events(self, batch: list[Event]) -> None:
        """A ``Tracer.subscribe`` listener."""
        started, exited = self.started, self.exited
        for event in batch:
            if isinstance(event, ThreadStarted):
                started(event.tid, event.creator, event.time)
            elif isinstance(event, ThreadExited):
                exited(event.tid, event.time)

    def started(self, tid: int, creator: int | None, time: float, name: str | None = None) -> Node:
        nodes = self.nodes
        known = nodes.get(tid)
        if known is not None and known.exited is None:
            if known.sampled:
                self._born_after_sampled(known, creator, time)
            return known  # else announced twice (the attach scan and a clone event): one life
        serial = self._serial
        self._serial = serial + 1
        node = Node(tid, creator, time, serial, name)
        parent = nodes.get(creator) if creator is not None else None
        if parent is not None and parent.born <= time:
            node.parent = parent
            if parent.children is None:
                parent.children = {}
            parent.children[serial] = node
        else:
            self.roots[serial] = node
        nodes[tid] = node
        if self.start is None:
            self.start = time
        if self.journal is not None:
            self.journal.append(node)
        return node

    def exited(self, tid: int, time: float) -> None:
        node = self.nodes.get(tid)
        if node is None or node.exited is not None:
            return
        node.exited = time
        self._exited.append(node)
        if self.journal is not None:
            self.journal.append(node)
        if len(self._exited) > self.max_exited:
            self._forget(self._exited.popleft())

    def sampled(self, tid: int, time: float, name: str) -> Node:
        """A thread that a sample found before (or without) any engine event about it."""
        node = self.started(tid, None, time, name)
        node.sampled = True
        return node

    def _born_after_sampled(self, node: Node, creator: int | None, time: float) -> None:
        # A sample saw it before its birth was published: the event knows better.
        node.sampled = False
        node.born = min(node.born, time)
        parent = self.nodes.get(creator) if creator is not None else None
        node.creator = creator
        if parent is not None and parent is not node:
            self.roots.pop(node.serial, None)
            node.parent = parent
            if parent.children is None:
                parent.children = {}
            parent.children[node.serial] = node

    def _forget(self, node: Node) -> None:
        self.forgotten += 1
        siblings = node.parent.children if node.parent is not None else self.roots
        if siblings is not None:
            siblings.pop(node.serial, None)
        for child in node.kids():
            child.parent = None
            self.roots[child.serial] = child
        node.children = None
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
            if node.children:
                stack.extend((child, depth + 1) for child in reversed(node.children.values()))

    def remembered(self) -> list[Node]:
        """Every remembered node (older lives of reused tids too), in birth order."""
        return sorted((node for node, _ in self.walk()), key=lambda node: node.serial)

    def __len__(self) -> int:
        return len(self.nodes)

    @property
    def next_serial(self) -> int:
        """The id the next node will get (ids grow with every birth)."""
        return self._serial

    def edges(self) -> Iterable[tuple[int, int]]:
        """(creator tid, tid) for every remembered thread whose creator is known."""
        return ((node.creator, node.tid) for node, _ in self.walk() if node.creator is not None)
