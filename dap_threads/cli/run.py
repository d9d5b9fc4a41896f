"""`dap-threads run -- PROGRAM ARGS...`: a program under trace, as it would run at the terminal without us.

It keeps the terminal as stdin and stdout, and is in our process group, so a Ctrl-C reaches it
directly. We pass on only what would not reach it otherwise, and end it by force only when asked
twice, or when it ignores the signal; then we end the way it ended (its exit status, or its signal).

With ``--syscalls`` or ``--stop-on-new-thread`` (``catch``) the program's forked children are
traced too when syscalls are (``family``, as ``strace -f``), and run waits for every one of them;
detached at the prompt, the program runs on untraced and run still ends with its status.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from typing import TextIO

from ..engine import procfs
from ..engine.errors import EngineError
from ..engine.events import ProcessExited
from ..engine.launch import Launched, launch
from ..engine.output import OutputPump
from ..engine.reaper import Reaper, reaper_for
from ..engine.tracer import Tracer
from ..engine.waitstatus import classify, exit_description
from . import interrupts
from .catch import CatchOptions
from .family import Family
from .report import Reporter, reporter_for

#: How long a program that ignores the signal gets before SIGKILL.
DEFAULT_KILL_AFTER = 3.0


class Ending:
    """Asked to end the program: pass the signal on once, and escalate to SIGKILL when needed."""

    def __init__(self, tracer: Tracer, reporter: Reporter, kill_after: float, family: Family | None = None) -> None:
        self.tracer = tracer
        self.reporter = reporter
        self.kill_after = kill_after
        self.family = family
        self.asked = 0

    def on_signal(self, sig: signal.Signals, from_terminal: bool) -> None:
        if self.tracer.exit is not None:
            if self.family is not None and any(t.is_live for t in self.family.tracers):
                self.reporter.note(f"{sig.name}: killing the traced children still running (SIGKILL)")
                self.family.kill_all()
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


async def _run(
    argv: Sequence[str], out: TextIO, as_json: bool, kill_after: float, catch: CatchOptions | None
) -> ProcessExited:
    loop = asyncio.get_running_loop()
    reaper = reaper_for(loop)
    seccomp = catch.seccomp_filter() if catch is not None else None
    # With --json the program's output is captured, so that stdout carries only JSON.
    launched = await launch(
        argv[0],
        argv[1:],
        cwd=None,
        env=None,
        capture_output=as_json,
        reaper=reaper,
        loop=loop,
        keep_stdin=True,
        seccomp=seccomp,
    )
    tracer = launched.tracer
    reporter = reporter_for(tracer.pid, out, as_json)
    pumps = _pumps(launched, reporter)
    family = None
    if catch is None:
        tracer.subscribe(reporter)
    else:
        family = Family(
            tracer,
            reaper,
            catch,
            lambda pid: reporter if pid == tracer.pid else reporter_for(pid, out, as_json),
            lambda: None,  # detached at the prompt: wait_exit says so
            via_seccomp=seccomp is not None,
        )
    tracer.publish()
    interrupts.listen(loop, Ending(tracer, reporter, kill_after, family).on_signal)
    tracer.resume()
    exit = await tracer.wait_exit()
    if exit is None:  # detached at the prompt: still our child, its end is reaped here
        exit = await _untraced_end(tracer.pid, reaper)
        reporter.note(f"process {tracer.pid} {exit.description} (untraced)")
    if family is not None:
        await family.all_ended()  # the traced children (strace -f waits for them too)
    for pump in pumps:
        # The pipes end when the program (and any child holding them) closes them; ours end at once.
        try:
            await asyncio.wait_for(pump.closed.wait(), 0.5)
        except TimeoutError:
            pump.close()
    return exit


def _pumps(launched: Launched, reporter: Reporter) -> list[OutputPump]:
    loop = asyncio.get_running_loop()
    return [
        OutputPump(loop, fd, stream, reporter.output)
        for fd, stream in ((launched.stdout_fd, "stdout"), (launched.stderr_fd, "stderr"))
        if fd is not None
    ]


async def _untraced_end(pid: int, reaper: Reaper) -> ProcessExited:
    ended: asyncio.Future[ProcessExited] = asyncio.get_running_loop().create_future()
    reaper.register(pid, _ExitStatus(reaper, ended))
    return await ended


class _ExitStatus:
    """A reaper sink: how an untraced child of ours ended."""

    def __init__(self, reaper: Reaper, ended: asyncio.Future[ProcessExited]) -> None:
        self._reaper = reaper
        self._ended = ended

    def on_wait_status(self, tid: int, status: int) -> None:
        if not self._ended.done() and (os.WIFEXITED(status) or os.WIFSIGNALED(status)):
            self._reaper.unregister(tid)
            killed_by = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
            self._ended.set_result(ProcessExited(classify(status)[1], exit_description(status), killed_by))

    def publish(self) -> None:
        pass


def run(
    argv: Sequence[str],
    as_json: bool = False,
    kill_after: float = DEFAULT_KILL_AFTER,
    catch: CatchOptions | None = None,
) -> int:
    """Run ``argv`` under trace; returns its exit status, or ends this process by the signal that ended it."""
    if not argv:
        print("dap-threads run: give a program to run, e.g. dap-threads run -- ./testdata/build/seed", file=sys.stderr)
        return 2
    interrupts.take_ending_signals()
    try:
        exit = asyncio.run(_run(argv, sys.stdout, as_json, kill_after, catch))
    except EngineError as exc:
        print(f"dap-threads: {exc}", file=sys.stderr)
        return 1
    if exit.signal in interrupts.ENDING_SIGNALS:
        interrupts.die_of(signal.Signals(exit.signal))
    return exit.exit_code
