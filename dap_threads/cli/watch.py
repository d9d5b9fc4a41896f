"""`dap-threads watch PID`: a running program's thread events on a terminal.

One line per thread event as it happens, on the same engine the adapter uses.
Ctrl-C detaches; the program keeps running as if never traced. ``--tree``
draws the creation tree live instead (``tree_view``); ``--record`` and
``--trace-json`` write the timeline when watching ends (``observing``).
``--syscalls`` and ``--stop-on-new-thread`` work as for `run` (``catch``);
with --syscalls the children it forks from now on are traced too
(``family``), and Ctrl-C lets every one of them go.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from typing import Any, TextIO

import attrs

from ..engine import procfs
from ..engine.attach import PROGRESS_ABOVE_THREADS, attach
from ..engine.errors import EngineError
from ..engine.reaper import reaper_for
from ..engine.tracer import Tracer
from ..wakeup import quiet_wakeup_fd
from .catch import CatchOptions
from .family import Family
from .observing import Observing
from .report import Reporter, reporter_for, wants_colour
from .tree_view import TreeView


@attrs.frozen
class WatchOptions:
    as_json: bool = False
    tree: bool = False
    record: str | None = None
    trace_json: str | None = None
    interval: float = 1.0
    #: --syscalls / --stop-on-new-thread
    catch: CatchOptions | None = None


class AttachProgress:
    """The attach to a process of more than PROGRESS_ABOVE_THREADS threads, told as it goes (as editors show it)."""

    def __init__(self, reporter: Reporter, pid: int) -> None:
        self._reporter = reporter
        self._title = f"attaching to process {pid}"
        self._shown = False
        self._last = 0.0

    def __call__(self, seized: int, found: int) -> None:
        now = time.monotonic()
        if not self._shown:
            if found <= PROGRESS_ABOVE_THREADS:
                return
            self._shown = True
            self._reporter.progress("start", self._title, 0, found)
        elif now - self._last >= 0.1:
            self._reporter.progress("update", self._title, seized, found)
        self._last = now

    def end(self, threads: int) -> None:
        if self._shown:
            self._reporter.progress("end", self._title, threads, threads)


def _tree_view(pid: int, tracer: Tracer, out: TextIO, observing: Observing, reporter: Reporter,
               as_json: bool) -> TreeView:  # fmt: skip
    """--tree: the creation tree drawn live on a terminal (into a pipe: drawn once, at the end)."""
    live = out.isatty() and not as_json
    title = f"threads of {procfs.process_name(pid) or pid} ({pid})"
    tree = TreeView(out, observing.observer.lineage, observing.facts_text, live=live, title=title,
                    colour=wants_colour(out))  # fmt: skip
    reporter.quiet_events = live  # the tree shows births and exits
    tracer.subscribe(lambda _batch: tree.changed())
    observing.on_sample = tree.changed
    return tree


async def _watch(pid: int, out: TextIO, options: WatchOptions) -> int:
    loop = asyncio.get_running_loop()
    reaper = reaper_for(loop)
    reporter = reporter_for(pid, out, options.as_json)
    progress = AttachProgress(reporter, pid)
    tracer = attach(pid, reaper, loop, progress)
    progress.end(len(tracer.live_threads()))
    observing = Observing(
        tracer, attached=True, interval=options.interval, record=options.record, trace_json=options.trace_json
    )
    reporter.exit_record = observing.exit_record
    tree = _tree_view(pid, tracer, out, observing, reporter, options.as_json) if options.tree else None
    detached = asyncio.Event()  # at the --stop-on-new-thread prompt
    family = None
    if options.catch is None:
        tracer.subscribe(reporter)
    else:
        family = Family(
            tracer,
            reaper,
            options.catch,
            lambda traced: reporter if traced == pid else reporter_for(traced, out, options.as_json),
            detached.set,
            via_seccomp=False,
        )
    tracer.publish()
    observing.start()
    interrupted = asyncio.Event()
    loop.add_signal_handler(signal.SIGINT, interrupted.set)
    loop.add_signal_handler(signal.SIGTERM, interrupted.set)
    quiet_wakeup_fd()
    exit_waiter = asyncio.ensure_future(family.all_ended() if family is not None else tracer.wait_exit())
    stop_waiter = asyncio.ensure_future(interrupted.wait())
    detach_waiter = asyncio.ensure_future(detached.wait())
    waiters: list[asyncio.Future[Any]] = [exit_waiter, stop_waiter, detach_waiter]
    await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    stop_waiter.cancel()
    detach_waiter.cancel()
    leaving = not exit_waiter.done() and not detached.is_set()
    if leaving:
        if family is not None:
            await family.detach_all()
        await tracer.detach()
        tracer.publish()
    notes = observing.finish()
    if tree is not None:
        tree.close()
    if leaving or (family is None and exit_waiter.done() and exit_waiter.result() is None):
        notes.append(f"detached from {pid}; it keeps running")
    for note in notes:
        reporter.note(note)
    return 0


def watch(pid: int, options: WatchOptions | None = None) -> int:
    try:
        return asyncio.run(_watch(pid, sys.stdout, options or WatchOptions()))
    except EngineError as exc:
        print(f"dap-threads: {exc}", file=sys.stderr)
        return 1
