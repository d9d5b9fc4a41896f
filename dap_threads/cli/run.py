"""`dap-threads run -- PROGRAM ARGS...`: a program under trace, as it would run at the terminal without us.

It keeps the terminal as stdin and stdout, and is in our process group, so a Ctrl-C reaches it
directly. We pass on only what would not reach it otherwise, and end it by force only when asked
twice, or when it ignores the signal; then we end the way it ended (its exit status, or its signal).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from typing import TextIO

import attrs

from ..engine import procfs
from ..engine.errors import EngineError
from ..engine.events import ProcessExited
from ..engine.launch import launch
from ..engine.output import OutputPump
from ..engine.reaper import reaper_for
from ..engine.tracer import Tracer
from . import interrupts
from .observing import Observing
from .report import Reporter, reporter_for

#: How long a program that ignores the signal gets before SIGKILL.
DEFAULT_KILL_AFTER = 3.0


class Ending:
    """Asked to end the program: pass the signal on once, and escalate to SIGKILL when needed."""

    def __init__(self, tracer: Tracer, reporter: Reporter, kill_after: float) -> None:
        self.tracer = tracer
        self.reporter = reporter
        self.kill_after = kill_after
        self.asked = 0

    def on_signal(self, sig: signal.Signals, from_terminal: bool) -> None:
        if self.tracer.exit is not None:
            return
        self.asked += 1
        pid = self.tracer.pid
        what = "Ctrl-C" if sig == signal.SIGINT and from_terminal else sig.name
        if self.asked > 1:
            self.reporter.note(f"{what} again: killing {pid} (SIGKILL)")
            self.tracer.kill(signal.SIGKILL)
            return
        if from_terminal and _in_our_process_group(pid):
            self.reporter.note(f"{what}: {sig.name} went to {pid} too; waiting for it to end ({what} again kills it)")
        else:
            self.tracer.kill(sig)
            self.reporter.note(f"{what}: passed on to {pid}; waiting for it to end ({what} again kills it)")
        asyncio.get_running_loop().call_later(self.kill_after, self._still_running, sig, what)

    def _still_running(self, sig: signal.Signals, what: str) -> None:
        if self.tracer.exit is not None or self.asked > 1:
            return
        pid, after = self.tracer.pid, f"{self.kill_after:g} s"
        if procfs.signal_unheeded(pid, sig):
            self.reporter.note(f"{pid} ignores {sig.name} and was still running {after} after it: killing it (SIGKILL)")
            self.tracer.kill(signal.SIGKILL)
        else:
            self.reporter.note(
                f"{pid} is still running {after} after {sig.name}, which it handles; {what} again kills it"
            )


def _in_our_process_group(pid: int) -> bool:
    try:
        return os.getpgid(pid) == os.getpgrp()
    except ProcessLookupError:
        return True  # gone already: nothing to pass on


@attrs.frozen
class RunOptions:
    as_json: bool = False
    kill_after: float = DEFAULT_KILL_AFTER
    record: str | None = None
    trace_json: str | None = None
    interval: float = 1.0


async def _run(argv: Sequence[str], out: TextIO, options: RunOptions) -> ProcessExited:
    as_json = options.as_json
    loop = asyncio.get_running_loop()
    reaper = reaper_for(loop)
    # With --json the program's output is captured, so that stdout carries only JSON.
    launched = await launch(
        argv[0], argv[1:], cwd=None, env=None, capture_output=as_json, reaper=reaper, loop=loop, keep_stdin=True
    )
    tracer = launched.tracer
    observing = Observing(
        tracer, attached=False, interval=options.interval, record=options.record, trace_json=options.trace_json
    )
    reporter = reporter_for(tracer.pid, out, as_json)
    reporter.exit_record = observing.exit_record
    pumps = [
        OutputPump(loop, fd, stream, reporter.output)
        for fd, stream in ((launched.stdout_fd, "stdout"), (launched.stderr_fd, "stderr"))
        if fd is not None
    ]
    tracer.subscribe(reporter)
    tracer.publish()
    interrupts.listen(loop, Ending(tracer, reporter, options.kill_after).on_signal)
    tracer.resume()
    observing.start()
    exit = await tracer.wait_exit()
    assert exit is not None  # a launched program is never detached: its end is always seen
    for pump in pumps:
        # The pipes end when the program (and any child holding them) closes them; ours end at once.
        try:
            await asyncio.wait_for(pump.closed.wait(), 0.5)
        except TimeoutError:
            pump.close()
    for note in observing.finish():
        reporter.note(note)
    return exit


def run(argv: Sequence[str], options: RunOptions | None = None) -> int:
    """Run ``argv`` under trace; returns its exit status, or ends this process by the signal that ended it."""
    options = options or RunOptions()
    if not argv:
        print("dap-threads run: give a program to run, e.g. dap-threads run -- ./testdata/build/seed", file=sys.stderr)
        return 2
    interrupts.take_ending_signals()
    try:
        exit = asyncio.run(_run(argv, sys.stdout, options))
    except EngineError as exc:
        print(f"dap-threads: {exc}", file=sys.stderr)
        return 1
    if exit.signal in interrupts.ENDING_SIGNALS:
        interrupts.die_of(signal.Signals(exit.signal))
    return exit.exit_code
