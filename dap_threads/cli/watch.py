"""`dap-threads watch PID` and `dap-threads run -- PROGRAM ARGS...`: thread events on a terminal.

The seed chapter's demo, on the same engine the adapter uses: one line per
thread event as it happens. Ctrl-C detaches (watch: the program keeps
running) or ends the program (run).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from ..engine import procfs
from ..engine.attach import attach
from ..engine.errors import EngineError
from ..engine.events import ChildDetached, Event, ProcessExited, ThreadExited, ThreadStarted
from ..engine.launch import launch
from ..engine.reaper import Reaper, reaper_for
from ..engine.tracer import Tracer
from ..engine.waitstatus import classify
from ..wakeup import quiet_wakeup_fd
from .catch import CatchOptions, stamp
from .family import Family


class EventPrinter:
    """Formats engine events as terminal lines."""

    def __init__(self, pid: int, out: TextIO) -> None:
        self.pid = pid
        self.out = out
        self.names: dict[int, str] = {}
        #: lines for other events (``catch``: syscalls), in their place among the thread events
        self.more: Callable[[Event], str | None] | None = None

    def __call__(self, batch: list[Event]) -> None:
        if any(isinstance(event, ThreadExited) for event in batch):
            self._refresh_names()
        lines = [line for line in map(self.format, batch) if line]
        if lines:
            self.out.write("".join(lines))
            self.out.flush()

    def _refresh_names(self) -> None:
        # A thread usually names itself (pthread_setname_np) after it starts:
        # look again before an `exited` line, so that it shows the name the thread had.
        if len(self.names) <= 256:
            for tid in self.names:
                name = procfs.thread_name(self.pid, tid)
                if name is not None:
                    self.names[tid] = name

    def format(self, event: Event) -> str | None:
        if self.more is not None and not isinstance(event, _THREAD_EVENTS):
            return self.more(event)  # (syscall lines: one per call, so no time is spent on what is not theirs)
        stamp = time.strftime("%H:%M:%S", time.localtime(getattr(event, "time", time.time())))
        stamp += f".{int(getattr(event, 'time', time.time()) * 1000) % 1000:03d}"
        if isinstance(event, ThreadStarted):
            name = procfs.thread_name(self.pid, event.tid) or "?"
            self.names[event.tid] = name
            origin = (
                f" (created by {event.creator})"
                if event.creator
                else (" (main)" if event.tid == self.pid else " (existing)")
            )
            return f"{stamp} started {event.tid} {name}{origin}\n"
        if isinstance(event, ThreadExited):
            name = self.names.pop(event.tid, "") or procfs.thread_name(self.pid, event.tid) or "?"
            return f"{stamp} exited  {event.tid} {name}\n"
        if isinstance(event, ProcessExited):
            return f"{stamp} process {self.pid} {event.description}\n"
        if isinstance(event, ChildDetached):
            return f"{stamp} {event.how} child {event.pid} of {event.parent} left untraced\n"
        return None


_THREAD_EVENTS = (ThreadStarted, ThreadExited, ProcessExited, ChildDetached)


async def _watch(pid: int | None, argv: Sequence[str], out: TextIO, catch: CatchOptions | None = None) -> int:
    loop = asyncio.get_running_loop()
    reaper = reaper_for(loop)
    tracer: Tracer
    seccomp = catch.seccomp_filter() if catch is not None and pid is None else None
    if pid is not None:
        tracer = attach(pid, reaper, loop)
    else:
        launched = await launch(
            argv[0], argv[1:], cwd=None, env=None, capture_output=False, reaper=reaper, loop=loop, seccomp=seccomp
        )
        tracer = launched.tracer
    detached = asyncio.Event()
    family = None
    if catch is None:
        tracer.subscribe(EventPrinter(tracer.pid, out))
    else:
        family = Family(
            tracer,
            reaper,
            out,
            catch,
            lambda traced: EventPrinter(traced.pid, out),
            detached.set,
            via_seccomp=seccomp is not None,
        )
    tracer.publish()
    if pid is None:
        tracer.resume()
    interrupted = asyncio.Event()
    loop.add_signal_handler(signal.SIGINT, interrupted.set)
    loop.add_signal_handler(signal.SIGTERM, interrupted.set)
    quiet_wakeup_fd()
    exit_waiter = asyncio.ensure_future(family.all_ended() if family is not None else tracer.wait_exit())
    stop_waiter = asyncio.ensure_future(interrupted.wait())
    waiters: list[asyncio.Future[Any]] = [exit_waiter, stop_waiter]
    await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    if exit_waiter.done() and tracer.exit is not None:
        stop_waiter.cancel()
        return tracer.exit.exit_code if pid is None else 0
    if detached.is_set():
        stop_waiter.cancel()
        # Detached at a prompt: a program we started is still our child; its end is reaped here.
        return await _untraced_end(tracer, reaper) if pid is None else 0
    if pid is not None:
        if family is not None:
            await family.detach_all()
        await tracer.detach()
        tracer.publish()
        out.write(f"detached from {pid}; it keeps running\n")
        return 0
    if family is not None:
        family.kill_all()
    tracer.kill(signal.SIGKILL)
    await exit_waiter
    return 130


async def _untraced_end(tracer: Tracer, reaper: Reaper) -> int:
    ended: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    reaper.register(tracer.pid, _ExitStatus(ended))
    code = await ended
    print(f"{stamp(time.time())} process {tracer.pid} exited with status {code} (untraced)", flush=True)
    return code


class _ExitStatus:
    """A reaper sink: the exit code of an untraced child of ours."""

    def __init__(self, ended: asyncio.Future[int]) -> None:
        self._ended = ended

    def on_wait_status(self, tid: int, status: int) -> None:
        if not self._ended.done() and (os.WIFEXITED(status) or os.WIFSIGNALED(status)):
            self._ended.set_result(classify(status)[1])

    def publish(self) -> None:
        pass


def watch(pid: int, catch: CatchOptions | None = None) -> int:
    try:
        return asyncio.run(_watch(pid, (), sys.stdout, catch))
    except EngineError as exc:
        print(f"dap-threads: {exc}", file=sys.stderr)
        return 1


def run(argv: Sequence[str], catch: CatchOptions | None = None) -> int:
    if not argv:
        print("dap-threads run: give a program to run, e.g. dap-threads run -- ./testdata/build/seed", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_watch(None, argv, sys.stdout, catch))
    except EngineError as exc:
        print(f"dap-threads: {exc}", file=sys.stderr)
        return 1
