"""Sampler, lineage and timeline of one traced process, fed together: what the session and the CLI hold.

Wiring (the session or the CLI does this)::

    observer = Observer(tracer.pid, attached=True)
    tracer.subscribe(observer.on_events)      # births, exits, all-stops
    ...every second, while the program runs:
    snapshot = await observer.sample_async()  # facts of every thread, recorded
    ...on continue:
    observer.resumed()                        # or resumed([tid]) for one thread
    ...at the end:
    observer.write_html("timeline.html"); observer.write_trace_json("trace.json"); observer.close()

An ``AllStopped`` event marks the start of a pause (the sampler then shows
the facts from before it); the end of a pause has no engine event, so the
code that resumes the program calls ``resumed``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..engine import procfs
from ..engine.events import AllStopped, Event
from . import html, trace_json
from .lineage import Lineage
from .sampler import Sampler, Snapshot
from .timeline import Timeline


class Observer:
    def __init__(self, pid: int, *, attached: bool, name: str | None = None, max_threads: int = 200_000) -> None:
        self.pid = pid
        name = name or procfs.process_name(pid)
        self.sampler = Sampler(pid)
        self.lineage = Lineage(pid, attached=attached, max_exited=max_threads)
        self.timeline = Timeline(pid, name=name, lineage=self.lineage)

    def on_events(self, batch: list[Event]) -> None:
        """A ``Tracer.subscribe`` listener (the lineage is fed through the timeline)."""
        self.timeline.on_events(batch)
        for event in batch:
            if isinstance(event, AllStopped):
                self.sampler.paused()

    def paused(self) -> None:
        self.sampler.paused()
        self.timeline.paused()

    def resumed(self, tids: Iterable[int] | None = None) -> None:
        """Every thread runs again (or only ``tids``: a single-thread continue, the pause goes on)."""
        self.sampler.resumed(tids)
        if tids is None:
            self.timeline.resumed()

    def sample(self) -> Snapshot:
        return self._recorded(self.sampler.sample(self._live_tids()))

    async def sample_async(self, chunk: int = 500) -> Snapshot:
        return self._recorded(await self.sampler.sample_async(self._live_tids(), chunk=chunk))

    def _live_tids(self) -> list[int] | None:
        # Once the engine has told of the threads, they are the ones to read: listing
        # /proc/PID/task costs as much as reading a stat file per thread. Before any
        # event (or for a program the engine never announced), the listing it is.
        if self.lineage.next_serial == 0:
            return None
        return [node.tid for node in self.lineage.live() if not node.sampled]

    def _recorded(self, snapshot: Snapshot) -> Snapshot:
        self.timeline.record(snapshot)  # names the lineage's nodes too
        return snapshot

    def data(self) -> dict[str, Any]:
        return self.timeline.to_data()

    def write_html(self, path: str | Path) -> None:
        html.write(self.data(), path)

    def write_trace_json(self, path: str | Path) -> None:
        trace_json.write(self.data(), path)

    def close(self) -> None:
        self.sampler.close()
