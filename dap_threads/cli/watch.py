"""`dap-threads watch PID` and `dap-threads run -- PROGRAM ARGS...`: thread events on a terminal.

The seed chapter's demo, on the same engine the adapter uses: one line per
thread event as it happens. Ctrl-C detaches (watch: the program keeps
running) or ends the program (run).
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import Sequence
from typing import Any, TextIO

from ..engine.attach import attach
from ..engine.errors import EngineError
from ..engine.events import ChildDetached, Event, ProcessExited, ThreadExited, ThreadStarted
from ..engine.launch import launch
from ..engine.names import ThreadNames
from ..engine.reaper import reaper_for
from ..engine.tracer import Tracer
from ..wakeup import quiet_wakeup_fd


class EventPrinter:
    """Formats engine events as terminal lines."""

    #: How often the names of live threads are read again (see _refresh_names).
    REFRESH_SECONDS = 0.01

    def __init__(self, pid: int, out: TextIO) -> None:
        self.pid = pid
        self.out = out
        self.names: dict[int, str] = {}
        self._reader = ThreadNames(pid)
        self._refreshed = 0.0
        self._second = -1
        self._hms = ""

    def __call__(self, batch: list[Event]) -> None:
        self._refresh_names()
        lines = [line for line in map(self.format, batch) if line]
        if lines:
            self.out.write("".join(lines))
            self.out.flush()

    def _refresh_names(self) -> None:
        # A thread usually names itself (pthread_setname_np) after it starts:
        # look again, so that its `exited` line shows the name it had. At most
        # every 10 ms: a storm publishes a batch every few tens of µs.
        now = time.monotonic()
        if now - self._refreshed < self.REFRESH_SECONDS or len(self.names) > 256:
            return
        self._refreshed = now
        tids = list(self.names)
        for tid, name in zip(tids, self._reader.read(tids, None)):
            if name is not None:
                self.names[tid] = name

    def _stamp(self, when: float) -> str:
        second = int(when)
        if second != self._second:  # strftime once a second, not once a line
            self._second = second
            self._hms = time.strftime("%H:%M:%S", time.localtime(when))
        return f"{self._hms}.{int(when * 1000) % 1000:03d}"

    def format(self, event: Event) -> str | None:
        when = event.time if isinstance(event, (ThreadStarted, ThreadExited)) else time.time()
        stamp = self._stamp(when)
        if isinstance(event, ThreadStarted):
            name = self._reader.read_one(event.tid) or "?"
            self.names[event.tid] = name
            origin = (
                f" (created by {event.creator})"
                if event.creator
                else (" (main)" if event.tid == self.pid else " (existing)")
            )
            return f"{stamp} started {event.tid} {name}{origin}\n"
        if isinstance(event, ThreadExited):
            name = self.names.pop(event.tid, "") or self._reader.read_one(event.tid) or "?"
            return f"{stamp} exited  {event.tid} {name}\n"
        if isinstance(event, ProcessExited):
            return f"{stamp} process {self.pid} {event.description}\n"
        if isinstance(event, ChildDetached):
            return f"{stamp} {event.how} child {event.pid} of {event.parent} left untraced\n"
        return None


async def _watch(pid: int | None, argv: Sequence[str], out: TextIO) -> int:
    loop = asyncio.get_running_loop()
    reaper = reaper_for(loop)
    tracer: Tracer
    if pid is not None:
        tracer = attach(pid, reaper, loop)
    else:
        launched = await launch(argv[0], argv[1:], cwd=None, env=None, capture_output=False, reaper=reaper, loop=loop)
        tracer = launched.tracer
    printer = EventPrinter(tracer.pid, out)
    tracer.subscribe(printer)
    tracer.publish()
    if pid is None:
        tracer.resume()
    interrupted = asyncio.Event()
    loop.add_signal_handler(signal.SIGINT, interrupted.set)
    loop.add_signal_handler(signal.SIGTERM, interrupted.set)
    quiet_wakeup_fd()
    exit_waiter = tracer.wait_exit()
    stop_waiter = asyncio.ensure_future(interrupted.wait())
    waiters: list[asyncio.Future[Any]] = [exit_waiter, stop_waiter]
    await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    if exit_waiter.done() and tracer.exit is not None:
        stop_waiter.cancel()
        return tracer.exit.exit_code if pid is None else 0
    if pid is not None:
        await tracer.detach()
        tracer.publish()
        out.write(f"detached from {pid}; it keeps running\n")
        return 0
    tracer.kill(signal.SIGKILL)
    await exit_waiter
    return 130


def watch(pid: int) -> int:
    try:
        return asyncio.run(_watch(pid, (), sys.stdout))
    except EngineError as exc:
        print(f"dap-threads: {exc}", file=sys.stderr)
        return 1


def run(argv: Sequence[str]) -> int:
    if not argv:
        print("dap-threads run: give a program to run, e.g. dap-threads run -- ./testdata/build/seed", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_watch(None, argv, sys.stdout))
    except EngineError as exc:
        print(f"dap-threads: {exc}", file=sys.stderr)
        return 1
