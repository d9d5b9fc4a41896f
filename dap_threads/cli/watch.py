"""`dap-threads watch PID`: a running program's thread events on a terminal.

One line per thread event as it happens, on the same engine the adapter uses.
Ctrl-C detaches; the program keeps running as if never traced.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import Any, TextIO

from ..engine.attach import attach
from ..engine.errors import EngineError
from ..engine.reaper import reaper_for
from ..wakeup import quiet_wakeup_fd
from .report import reporter_for


async def _watch(pid: int, out: TextIO, as_json: bool) -> int:
    loop = asyncio.get_running_loop()
    tracer = attach(pid, reaper_for(loop), loop)
    reporter = reporter_for(tracer.pid, out, as_json)
    tracer.subscribe(reporter)
    tracer.publish()
    interrupted = asyncio.Event()
    loop.add_signal_handler(signal.SIGINT, interrupted.set)
    loop.add_signal_handler(signal.SIGTERM, interrupted.set)
    quiet_wakeup_fd()
    exit_waiter = tracer.wait_exit()
    stop_waiter = asyncio.ensure_future(interrupted.wait())
    waiters: list[asyncio.Future[Any]] = [exit_waiter, stop_waiter]
    await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    if exit_waiter.done():
        stop_waiter.cancel()
        return 0
    await tracer.detach()
    tracer.publish()
    reporter.note(f"detached from {pid}; it keeps running")
    return 0


def watch(pid: int, as_json: bool = False) -> int:
    try:
        return asyncio.run(_watch(pid, sys.stdout, as_json))
    except EngineError as exc:
        print(f"dap-threads: {exc}", file=sys.stderr)
        return 1
