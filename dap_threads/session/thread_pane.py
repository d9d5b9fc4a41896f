"""The thread list's live half: names that carry state and CPU, kept fresh while the program runs.

Once a second (``interval``) while any thread runs, the session's observer
samples /proc (``observe.Observer``: it never stops the program) and the
names the client was last shown are rendered again from the new facts. If
one differs, a client that declared ``supportsInvalidatedEvent`` gets
``invalidated {areas: ["threads"]}`` and asks for `threads` again (VS Code
does so while running); nothing is sent while the answer to the previous one
is awaited, nor to a client that did not declare support (DAP "Invalidated
Event": "only sent if the client has passed the value true for the
supportsInvalidatedEvent capability").

Past ``refresh_limit`` live threads a refresh costs the client more than it
shows (VS Code re-renders the whole list each time; see the README's figures),
so it stops, and one `output` event says so; the names are brought up to date
by the client's own `threads` requests (each `stopped`, each `thread` event).

The same tick feeds the timeline panel: what the timeline recorded since the
last tick goes out as one custom `dapThreads.timeline` event, to a client that
asked for it (``dapThreads.timeline`` request, ``session/timeline_feed.py``).
"""

from __future__ import annotations

import asyncio
import errno
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from .. import fd_limit
from ..dap import messages as m
from ..dap.requests import RequestError
from ..engine import procfs
from ..engine.tracer import Tracer
from ..observe.lineage import Node
from ..observe.names import NameFormat, NameFormatError
from ..observe.observer import Observer
from ..observe.timeline import batch_is_empty

log = logging.getLogger(__name__)

#: Above this many live threads the list is not refreshed while running (threadRefreshLimit's default).
DEFAULT_REFRESH_LIMIT = 2000
#: An `invalidated` the client did not answer with `threads` is not repeated before this many seconds.
_ANSWER_WAIT = 10.0

SendEvent = Callable[[str, Any], None]


@attrs.frozen
class PaneOptions:
    """What attach/launch said: ``threadName``, ``sampleThreads``, ``threadRefreshLimit``, ``creationStacks``."""

    names: NameFormat = attrs.field(factory=NameFormat)
    sample: bool = True
    refresh_limit: int = DEFAULT_REFRESH_LIMIT
    #: record the creator's stack at each clone (rationed: session/creation.py)
    creation_stacks: bool = True
    interval: float = 1.0


def pane_options(args: m.AttachArguments | m.LaunchArguments) -> PaneOptions:
    """The options of an attach or launch request, or a RequestError naming what is wrong."""
    try:
        names = NameFormat(args.threadName)
    except NameFormatError as exc:
        raise RequestError(str(exc)) from None
    limit = DEFAULT_REFRESH_LIMIT if args.threadRefreshLimit is None else args.threadRefreshLimit
    if limit < 0:
        raise RequestError(f"threadRefreshLimit must be 0 or more (0: never refresh while running), got {limit}")
    return PaneOptions(names, args.sampleThreads, limit, creation_stacks=args.creationStacks)


class ThreadPane:
    def __init__(
        self, tracer: Tracer, send_event: SendEvent, options: PaneOptions, *, attached: bool, invalidated: bool
    ) -> None:
        self.tracer = tracer
        self.options = options
        self._send_event = send_event
        self._told_fds = False
        #: the client declared supportsInvalidatedEvent
        self.invalidated = invalidated
        self.observer = Observer(tracer.pid, attached=attached, job_stopped=self._job_stopped)
        tracer.subscribe(self.observer.on_events)  # on the hot path of thread creation: nothing else there
        #: tid -> the name the client was last shown
        self.shown: dict[int, str] = {}
        #: what stood for {tid} in a shown name, where not the tid itself (a PID namespace's ids)
        self._ids: dict[int, str] = {}
        self._asked_at: float | None = None  # an `invalidated` went out at this time, no `threads` since
        self._told_limit = False
        self.refreshes = 0
        self.following = False
        self._sent_end: float | None = None
        self._task: asyncio.Task[None] | None = None

    # ----- the program ---------------------------------------------------------------------

    def _job_stopped(self, tid: int) -> bool:
        thread = self.tracer.threads.get(tid)
        return thread is not None and thread.group_stop

    def on_exec(self) -> None:
        """The process exec'd: the threads the client was shown are gone."""
        self.shown.clear()
        self._ids.clear()

    def resumed(self, tids: Iterable[int] | None = None) -> None:
        """The program (or only ``tids``) runs again: sample it again, and mark the pause's end."""
        self.observer.resumed(None if tids is None else list(tids))

    def sample_before_stop(self) -> None:
        """Read every thread once now, before an all-stop that comes before the first tick (stopOnAttach).

        A thread held by the tracer reads as ``t`` in /proc, so a program stopped
        before it was ever sampled would show no state of its own until it runs
        again; PTRACE_SEIZE leaves it running, so now is the last moment to see it.
        The sampler counts the program as held from now: a tick between the
        interrupts and the `stopped` event would read the stopping threads.
        """
        if self.options.sample:
            self.observer.sample()
        self.observer.sampler.paused()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        try:
            while self.tracer.is_live:
                try:
                    await self.tick()
                except OSError as exc:
                    if exc.errno != errno.EMFILE:
                        raise
                    self._out_of_descriptors()  # this tick is lost; the next may find some free
                await asyncio.sleep(self.options.interval)
        except Exception:  # a bug of ours must not end the session; the list just stops refreshing
            log.exception("the thread list's sampling stopped")

    def _out_of_descriptors(self) -> None:
        """Under a low ``ulimit -n`` a /proc read fails with EMFILE: say so once (fd_limit), keep sampling."""
        if not self._told_fds:
            self._told_fds = True
            text = fd_limit.message()
            log.warning("%s", text)
            self._send_event("output", m.OutputEventBody(text + "\n", "important"))

    async def tick(self) -> None:
        if self.options.sample and not self.observer.sampler.all_held:
            await self.observer.sample_async()
        if self.tracer.is_live:
            self._refresh()
        self.feed()

    def close(self) -> None:
        """The session ends: the last of the timeline goes out, the /proc descriptors are closed."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self.feed()
        self.following = False
        self.observer.close()

    # ----- names -----------------------------------------------------------------------------

    def name(self, tid: int, comm: str, ids: str | None = None) -> str:
        """The name of a live thread in a `threads` response (its comm read now, its facts from the last sample);
        ``ids`` stands for ``{tid}`` where the program sees other ids (``12345, ns 7`` in a PID namespace)."""
        facts = self.observer.sampler.thread(tid)
        text = self.options.names.render(comm, tid, facts, self._creator(tid), ids)
        self.shown[tid] = text
        if ids is not None:
            self._ids[tid] = ids
        return text

    def listed(self, tids: Iterable[int]) -> None:
        """A `threads` response went out with these threads: what the client shows now."""
        keep = set(tids)
        for gone in self.shown.keys() - keep:
            del self.shown[gone]
            self._ids.pop(gone, None)
        self._asked_at = None

    def _creator(self, tid: int) -> str:
        if "creator" not in self.options.names.fields:
            return ""
        node = self.observer.lineage.node(tid)
        parent = node.parent if node is not None else None
        if parent is None:
            return "" if node is None or node.creator is None else str(node.creator)
        return f"{self.node_name(parent)} ({parent.tid})"

    def node_name(self, node: Node, *, now: bool = False) -> str:
        """A thread's name as last sampled, or read now (one born since the last sample, or with ``now``:
        threads rename themselves, and a pause can come before the sample that saw it), or "?" once gone."""
        if (now or node.name is None) and node.alive:
            node.name = procfs.thread_name(self.tracer.pid, node.tid) or node.name
        return node.name or "?"

    def _refresh(self) -> None:
        if not self.invalidated or not self.shown:
            return
        now = time.monotonic()
        if self._asked_at is not None and now - self._asked_at < _ANSWER_WAIT:
            return
        live = len(self.tracer.threads)
        if self.options.refresh_limit == 0:
            return  # asked never to refresh while running
        if live > self.options.refresh_limit:
            self._tell_limit(live)
            return
        if self._changed():
            self._asked_at = now
            self.refreshes += 1
            self._send_event("invalidated", m.InvalidatedEventBody(areas=["threads"]))

    def _changed(self) -> bool:
        sampler, render = self.observer.sampler, self.options.names.render
        for tid, shown in self.shown.items():
            facts = sampler.thread(tid)
            if facts is not None and render(facts.name, tid, facts, self._creator(tid), self._ids.get(tid)) != shown:
                return True
        return False

    def _tell_limit(self, live: int) -> None:
        if self._told_limit:
            return
        self._told_limit = True
        limit = self.options.refresh_limit
        self._send_event(
            "output",
            m.OutputEventBody(
                category="console",
                output=(
                    f"dap-threads: {live:,} threads: their states in the thread list are no longer refreshed "
                    f"while the program runs (above {limit:,} threads a refresh costs more than it shows); "
                    f"they are brought up to date at each pause. The launch/attach argument "
                    f"threadRefreshLimit sets the limit.\n"
                ),
            ),
        )

    # ----- the timeline panel --------------------------------------------------------------

    def timeline(self, follow: bool) -> dict[str, Any]:
        """Everything recorded so far; with ``follow``, what comes next is sent each tick."""
        data = self.observer.timeline.take_batch(full=True)
        self.following = follow
        self._sent_end = data.get("end")
        return data

    def feed(self) -> None:
        """Send the timeline panel what was recorded since the last tick (nothing when nothing moved)."""
        if not self.following:
            return
        batch = self.observer.timeline.take_batch()
        if batch_is_empty(batch) and batch.get("end") == self._sent_end:
            return
        self._sent_end = batch.get("end")
        self._send_event("dapThreads.timeline", batch)
