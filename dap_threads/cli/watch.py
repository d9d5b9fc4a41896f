"""`dap-threads watch PID`: a running program's thread events on a terminal.

One line per thread event as it happens, on the same engine the adapter uses.
Ctrl-C detaches; the program keeps running as if never traced. ``--syscalls``
and ``--stop-on-new-thread`` work as for `run` (``catch``); with --syscalls the
children it forks from now on are traced too (``family``), and Ctrl-C lets
every one of them go.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from typing import Any, TextIO

from ..engine.attach import PROGRESS_ABOVE_THREADS, attach
from ..engine.errors import EngineError
from ..engine.reaper import reaper_for
from ..wakeup import quiet_wakeup_fd
from .catch import CatchOptions
from .family import Family
from .report import Reporter, reporter_for


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


async def _watch(pid: int, out: TextIO, as_json: bool, catch: CatchOptions | None) -> int:
    loop = asyncio.get_running_loop()
    reaper = reaper_for(loop)
    reporter = reporter_for(pid, out, as_json)
    progress = AttachProgress(reporter, pid)
    tracer = attach(pid, reaper, loop, progress)
    progress.end(len(tracer.live_threads()))
    detached = asyncio.Event()  # at the --stop-on-new-thread prompt
    family = None
    if catch is None:
        tracer.subscribe(reporter)
    else:
        family = Family(
            tracer,
            reaper,
            catch,
            lambda traced: reporter if traced == pid else reporter_for(traced, out, as_json),
            detached.set,
            via_seccomp=False,
        )
    tracer.publish()
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
    if exit_waiter.done() or detached.is_set():
        return 0
    if family is not None:
        await family.detach_all()
    await tracer.detach()
    tracer.publish()
    reporter.note(f"detached from {pid}; it keeps running")
    return 0


def watch(pid: int, as_json: bool = False, catch: CatchOptions | None = None) -> int:
    try:
        return asyncio.run(_watch(pid, sys.stdout, as_json, catch))
    except EngineError as exc:
        print(f"dap-threads: {exc}", file=sys.stderr)
        return 1
