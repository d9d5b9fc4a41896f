"""`run --syscalls` / `watch --syscalls` follow forked children too, as ``strace -f`` does.

Each forked child is held at its first instruction (follow-fork-mode "both"
in the engine), taken into a tracer of its own with the same catchpoints
and printers, and let run. The command ends when every process of the
family has ended (or on Ctrl-C). A program launched under a seccomp filter
must be followed this way: its children inherit the filter, whose caught
calls would fail with ENOSYS in a child that nobody traces.
"""

from __future__ import annotations

import asyncio
import functools
import signal
from collections.abc import Callable

from ..engine.events import ChildHeld, Event
from ..engine.fork import FollowFork
from ..engine.reaper import Reaper
from ..engine.tracer import Tracer
from .catch import Catches, CatchOptions
from .report import Reporter


class Family:
    def __init__(
        self,
        root: Tracer,
        reaper: Reaper,
        catch: CatchOptions,
        reporter_for: Callable[[int], Reporter],
        on_detach: Callable[[], None],
        *,
        via_seccomp: bool,
    ) -> None:
        self.root = root
        self.tracers: list[Tracer] = []
        self._reaper = reaper
        self._catch = catch
        self._reporter_for = reporter_for
        self._on_detach = on_detach
        self._via_seccomp = via_seccomp
        self._follows_children = catch.syscalls is not None
        self._changed = asyncio.Event()
        self.add(root)

    def add(self, tracer: Tracer) -> None:
        """Print ``tracer``'s events (its calls among them), and trace its process with the command's catchpoints."""
        self.tracers.append(tracer)
        self._catch.apply(tracer, via_seccomp=self._via_seccomp)
        reporter = self._reporter_for(tracer.pid)
        tracer.subscribe(reporter)
        tracer.subscribe(Catches(tracer, reporter, self._on_detach, may_detach=not self._via_seccomp))
        if self._follows_children:
            tracer.follow_fork = FollowFork.BOTH
            tracer.subscribe(functools.partial(self._on_events, tracer))
        tracer.wait_exit().add_done_callback(lambda _: self._changed.set())

    def _on_events(self, parent: Tracer, batch: list[Event]) -> None:
        for event in batch:
            if isinstance(event, ChildHeld):
                child = parent.forks.children.get(event.pid)
                if child is None or not child.at_first_stop:
                    continue
                tracer = child.take(self._reaper, asyncio.get_running_loop())
                self.add(tracer)
                tracer.resume()
                tracer.publish()

    async def all_ended(self) -> None:
        """Until every process of the family has exited (or been let go)."""
        while any(tracer.is_live for tracer in self.tracers):
            self._changed.clear()
            await self._changed.wait()

    def kill_all(self) -> None:
        for tracer in self.tracers:
            tracer.kill(signal.SIGKILL)

    async def detach_all(self) -> None:
        for tracer in self.tracers:
            await tracer.detach()
            tracer.publish()
