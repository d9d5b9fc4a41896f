"""`dap-threads stacks PID [--json]`: every thread's call stack, grouped, like a faster pstack.

Attach (PTRACE_SEIZE every thread), stop them all, unwind each one, detach:
the program runs on as if never traced. The report says how long the
threads were held.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any, TextIO

from ..engine import procfs
from ..engine.attach import attach
from ..engine.errors import EngineError
from ..engine.reaper import reaper_for
from ..stacks import (
    DEFAULT_MAX_FRAMES,
    Module,
    Stack,
    StackReader,
    TopFrameReader,
    UnwindError,
    open_reader,
    render,
)

#: How long the threads may take to reach their stop; a thread in uninterruptible
#: sleep (D, e.g. on a hung NFS mount) only stops when its syscall returns.
STOP_TIMEOUT_S = 10.0


async def collect(pid: int, max_frames: int, want_modules: bool) -> tuple[list[Stack], list[Module], str | None, float]:
    """(stacks, modules, notice, milliseconds the threads were held) of a process we attach to."""
    loop = asyncio.get_running_loop()
    # The reader needs no ptrace to start: it loads libc's and the program's debug info on a
    # worker thread while the threads are seized and stopped (its lock keeps libdw to one thread).
    early = _early_reader(pid)
    preloading = loop.run_in_executor(None, early.preload) if early is not None else None
    try:
        tracer = attach(pid, reaper_for(loop), loop)
    except BaseException:
        await _finished(preloading)
        if early is not None:
            early.close()
        raise
    try:
        started = time.perf_counter()
        try:
            await asyncio.wait_for(asyncio.shield(tracer.stop_all()), STOP_TIMEOUT_S)
        except TimeoutError:
            pass  # unwind the threads that did stop; the others get a label
        with early or open_reader(pid) as reader:
            reader.refresh()  # a library loaded meanwhile
            tids = sorted(tracer.threads, key=lambda tid: (tid != pid, tid))
            stopped = [tid for tid in tids if tracer.threads[tid].stopped]
            stacks = {s.tid: s for s in reader.stacks(stopped, max_frames)}
            for tid in tids:
                if tid not in stacks:
                    stacks[tid] = _not_stopped(tid)
            modules = reader.modules() if want_modules else []
            notice = reader.notice if isinstance(reader, TopFrameReader) else None
        elapsed = (time.perf_counter() - started) * 1000
    finally:
        await tracer.detach()
        await _finished(preloading)
    return [stacks[tid] for tid in tids], modules, notice, elapsed


def _early_reader(pid: int) -> StackReader | TopFrameReader | None:
    """A reader opened before the attach, or None (then the attach says what is wrong with ``pid``)."""
    try:
        return open_reader(pid)
    except UnwindError:
        return None


async def _finished(work: asyncio.Future[None] | None) -> None:
    if work is not None:
        await asyncio.gather(work, return_exceptions=True)


def _not_stopped(tid: int) -> Stack:
    from ..stacks.model import label_frame

    reason = f"thread did not stop within {STOP_TIMEOUT_S:.0f} s (uninterruptible sleep?)"
    return Stack(tid=tid, frames=(label_frame(0, reason),), stopped=reason)


def stacks(pid: int, as_json: bool, max_frames: int = DEFAULT_MAX_FRAMES, out: TextIO | None = None) -> int:
    out = out or sys.stdout  # a terminal command: stdout is the user's, not a DAP wire
    try:
        found, modules, notice, elapsed = asyncio.run(collect(pid, max_frames, want_modules=as_json))
    except (EngineError, UnwindError) as exc:
        print(f"dap-threads: {exc}", file=sys.stderr)
        return 1
    names = {s.tid: procfs.thread_name(pid, s.tid) or "?" for s in found}
    if as_json:
        report: dict[str, Any] = render.as_json(pid, found, names, modules, notice, elapsed)
        json.dump(report, out)
        out.write("\n")
    else:
        out.write(render.text(pid, found, names, elapsed))
        if notice:
            print(f"dap-threads: {notice}", file=sys.stderr)
    return 0
