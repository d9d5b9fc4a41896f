"""Call stacks (issue 12): one stopped thread cold and warm, `bt all` of 1,000 and 10,000 threads, RSS.

The test program is ``pool-O2 3 EXTRA`` (testdata/stacks/pool.c: workers in
pthread_cond_wait, a reader, a sleeper; 10 to 14 frames each, inline frames
included). Measured in this process, on the ptrace owner (the engine's
attach and all-stop, then the stacks library, as the adapter will call it):

- single stack, cold: a new StackReader (libdwfl modules from /proc/PID/maps)
  and an empty symbol cache, then one worker's stack: the ELF files, CFI and
  DWARF of the program and libc (libc6-dbg's debug file when installed) are
  loaded by that first request. Warm: the same stack asked again.
- single stack, cold after preload: a new reader whose ``preload()`` (the
  program's and libc's DWARF, which the adapter loads on a worker thread
  while the program runs after attach) is not timed, then one worker's stack.
- bt all: every thread's stack, with a fresh reader (cold) and again (warm).

Through the adapter (a new ``python -m dap_threads`` per round, so its caches
are cold): attach, pause, and the first ``stackTrace`` of a worker (request to
response), with the pause sent right after the attach (the debug info still
loading) and one second later (loaded ahead, as when a person clicks pause).

Then, alternating within each round, the whole terminal command against gdb
and eu-stack on the same process (each attaches, reads every thread, detaches;
process start-up included): `dap-threads stacks PID`, `gdb -nx -batch -p PID
-ex "thread apply all bt"`, `eu-stack -p PID`. The command's peak RSS
(``ru_maxrss`` of the child) is the adapter-side memory with libc + program
symbols loaded.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from typing import Any

from . import common
from .common import log, rotate, summary

PROGRAM = "stacks/pool-O2"


def _start(extra: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [common.program(PROGRAM), "3", str(extra)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    common.wait_for_line(proc, b"pool: ready", 300)
    return proc


async def _in_process(pid: int, rounds: int) -> dict[str, list[float]]:
    from dap_threads.engine.attach import attach
    from dap_threads.engine.reaper import reaper_for
    from dap_threads.stacks import StackReader
    from dap_threads.stacks.symbolize import clear_shared_cache

    loop = asyncio.get_running_loop()
    tracer = attach(pid, reaper_for(loop), loop)
    times: dict[str, list[float]] = {
        "cold_ms": [],
        "warm_ms": [],
        "cold_preloaded_ms": [],
        "all_cold_ms": [],
        "all_warm_ms": [],
    }
    try:
        await tracer.stop_all()
        tids = sorted(tracer.threads)
        worker = tids[1]
        for _ in range(rounds):
            clear_shared_cache()
            start = time.perf_counter()
            with StackReader(pid) as reader:
                reader.stack(worker)
                times["cold_ms"].append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                reader.stack(worker)
                times["warm_ms"].append((time.perf_counter() - start) * 1000)
            clear_shared_cache()
            with StackReader(pid) as reader:
                reader.preload()
                start = time.perf_counter()
                reader.stack(worker)
                times["cold_preloaded_ms"].append((time.perf_counter() - start) * 1000)
            clear_shared_cache()
            start = time.perf_counter()
            with StackReader(pid) as reader:
                stacks = reader.stacks(tids)
                times["all_cold_ms"].append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                reader.stacks(tids)
                times["all_warm_ms"].append((time.perf_counter() - start) * 1000)
        assert all(not s.stopped for s in stacks), "a stack ended early"
    finally:
        await tracer.detach()
    common.wait_untraced(pid)
    return times


def _first_stack_trace(pid: int, wait_s: float) -> float:
    """ms from a first stackTrace request to its response, in a new adapter attached ``wait_s`` before the pause."""
    from .dap import Adapter

    with Adapter() as adapter:
        adapter.initialize()
        adapter.attach(pid)
        time.sleep(wait_s)
        mark = adapter.mark()
        adapter.request("pause", {"threadId": pid})
        adapter.event("stopped", start=mark)
        _, threads = adapter.request("threads")
        worker = sorted(t["id"] for t in threads["body"]["threads"])[1]
        start = time.monotonic_ns()
        arrival, response = adapter.request("stackTrace", {"threadId": worker, "startFrame": 0, "levels": 20})
        assert len(response["body"]["stackFrames"]) >= 8, response
    common.wait_untraced(pid)
    return (arrival - start) / 1e6


def _timed(argv: list[str], timeout: float) -> tuple[float, int]:
    """(wall ms, peak RSS KiB) of a command run to its end."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            raise TimeoutError(f"{argv[:3]} ran past {timeout} s")
        time.sleep(0.002)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[:3]} failed with status {proc.returncode}")
    return (time.perf_counter() - start) * 1000, usage.ru_maxrss


def _contestants(pid: int) -> dict[str, list[str]]:
    found = {"dap-threads stacks": [common.PYTHON, "-m", "dap_threads", "stacks", str(pid)]}
    if common.tool("gdb"):
        found["gdb thread apply all bt"] = ["gdb", "-nx", "-batch", "-p", str(pid), "-ex", "thread apply all bt"]
    if common.tool("eu-stack"):
        found["eu-stack"] = ["eu-stack", "-p", str(pid)]
    return found


def run(*, sizes: list[int], rounds: int, tool_rounds: dict[int, int]) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for n in sizes:
        proc = _start(max(0, n - 6))
        try:
            threads = common.task_count(proc.pid)
            inner: dict[str, list[float]] = asyncio.run(_in_process(proc.pid, rounds))
            if n <= 6:
                for r in range(rounds):
                    for wait_s in rotate([0.0, 1.0], r):
                        key = "dap_first_preloaded_ms" if wait_s else "dap_first_at_once_ms"
                        inner.setdefault(key, []).append(_first_stack_trace(proc.pid, wait_s))
            tools: dict[str, list[float]] = {}
            rss: list[int] = []
            contestants = _contestants(proc.pid)
            for r in range(tool_rounds.get(n, rounds)):
                for name in rotate(list(contestants), r):
                    ms, peak = _timed(contestants[name], timeout=600)
                    common.wait_untraced(proc.pid)
                    tools.setdefault(name, []).append(ms)
                    if name == "dap-threads stacks":
                        rss.append(peak)
                    log(f"  stacks {threads} threads, round {r + 1}: {name} {ms:.0f} ms")
            rows[str(n)] = {
                "threads": threads,
                **{key: summary(values) for key, values in inner.items()},
                "tools_ms": {name: summary(values) for name, values in tools.items()},
                "cli_peak_rss_kib": max(rss) if rss else None,
            }
            log(
                f"  stacks {threads} threads: single cold {rows[str(n)]['cold_ms']['median']:.1f} ms "
                f"({rows[str(n)]['cold_preloaded_ms']['median']:.1f} ms preloaded), "
                f"warm {rows[str(n)]['warm_ms']['median']:.2f} ms, bt all warm "
                f"{rows[str(n)]['all_warm_ms']['median']:.0f} ms"
            )
        finally:
            common.stop(proc)
    return {"rounds": rounds, "rows": rows}
