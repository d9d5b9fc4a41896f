"""`dap-threads watch PID`: a running program's thread events on a terminal.

One line per thread event as it happens, on the same engine the adapter uses.
Ctrl-C detaches; the program keeps running as if never traced. ``--tree``
draws the creation tree live instead (``tree_view``); ``--record`` and
``--trace-json`` write the timeline when watching ends (``observing``).
"""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import Any, TextIO

import attrs

from ..engine import procfs
from ..engine.attach import attach
from ..engine.errors import EngineError
from ..engine.reaper import reaper_for
from ..wakeup import quiet_wakeup_fd
from .observing import Observing
from .report import reporter_for, wants_colour
from .tree_view import TreeView


@attrs.frozen
class WatchOptions:
    as_json: bool = False
    tree: bool = False
    record: str | None = None
    trace_json: str | None = None
    interval: float = 1.0


async def _watch(pid: int, out: TextIO, options: WatchOptions) -> int:
    loop = asyncio.get_running_loop()
    tracer = attach(pid, reaper_for(loop), loop)
    observing = Observing(
        tracer, attached=True, interval=options.interval, record=options.record, trace_json=options.trace_json
    )
    reporter = reporter_for(tracer.pid, out, options.as_json)
    reporter.exit_record = observing.exit_record
    tree = None
    if options.tree:
        live = out.isatty() and not options.as_json
        title = f"threads of {procfs.process_name(pid) or pid} ({pid})"
        tree = TreeView(out, observing.observer.lineage, observing.facts_text, live=live, title=title,
                        colour=wants_colour(out))  # fmt: skip
        reporter.quiet_events = live  # the tree shows births and exits
        tracer.subscribe(lambda _batch: tree.changed())
        observing.on_sample = tree.changed
    tracer.subscribe(reporter)
    tracer.publish()
    observing.start()
    interrupted = asyncio.Event()
    loop.add_signal_handler(signal.SIGINT, interrupted.set)
    loop.add_signal_handler(signal.SIGTERM, interrupted.set)
    quiet_wakeup_fd()
    exit_waiter = tracer.wait_exit()
    stop_waiter = asyncio.ensure_future(interrupted.wait())
    waiters: list[asyncio.Future[Any]] = [exit_waiter, stop_waiter]
    await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    if not exit_waiter.done():
        await tracer.detach()
        tracer.publish()
    stop_waiter.cancel()
    notes = observing.finish()
    if tree is not None:
        tree.close()
    if not exit_waiter.done() or exit_waiter.result() is None:
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
