"""Suite 9, pane (issue 15 part 2): what the live thread list costs, through the real adapter.

1. Storm, sampling on vs off: ``tstorm TOTAL 8`` launched through DAP, with
   the thread pane as it ships (sampling /proc once a second, creation stacks
   for the first 16 threads then 4 a second) and with ``sampleThreads: false,
   creationStacks: false``; alternating within each round. The default storm
   suite (4,000 threads, about half a second) ends before a second sample, so
   this one is longer (``total``, several seconds): samples happen while
   threads are being created. Added cost = on - off, per created thread.
2. The refresh at 1,000 and 10,000 threads: ``flip N`` (testdata: every
   thread renames itself each second, so every name in the list changes), attached; a client that declared
   ``supportsInvalidatedEvent`` answers each `invalidated` with `threads`,
   as VS Code does, for ``seconds``; the same with a client that did not
   declare it (the adapter samples, nothing is refreshed). The adapter's CPU
   per refresh is the difference divided by the refreshes; with it, the
   `threads` response's size and the client's time to read it (json.loads),
   and the sampling's own CPU per second.
"""

from __future__ import annotations

import json
import subprocess
import time
from typing import Any

from . import common
from .common import Scratch, log, program, summary
from .dap import Adapter, cpu_ns
from .storm import _read_elapsed

UNOBSERVED = {"sampleThreads": False, "creationStacks": False}


def run(scratch: Scratch, *, storm_total: int, storm_rounds: int, sizes: list[int], seconds: float) -> dict[str, Any]:
    return {
        "storm": storm_on_off(scratch, storm_total, storm_rounds),
        "refresh": {str(n): refresh_cost(n, seconds) for n in sizes},
    }


# ----- 1. the storm ----------------------------------------------------------------------


def _storm(total: int, out: Any, extra: dict[str, Any]) -> tuple[int, int]:
    with Adapter(python=common.PYTHON) as adapter:
        adapter.initialize()
        before = cpu_ns(adapter.proc.pid)
        adapter.launch(program("tstorm"), [total, 8, out], **extra)
        adapter.event("terminated", timeout=600)
        cpu = cpu_ns(adapter.proc.pid) - before
    return _read_elapsed(out), cpu


def storm_on_off(scratch: Scratch, total: int, rounds: int) -> dict[str, Any]:
    elapsed: dict[str, list[float]] = {"on": [], "off": []}
    cpu: dict[str, list[float]] = {"on": [], "off": []}
    untraced: list[float] = []
    for r in range(rounds):
        order = [("on", {}), ("off", UNOBSERVED)] if r % 2 == 0 else [("off", UNOBSERVED), ("on", {})]
        out = scratch.file(f"pane-storm-untraced-{r}")
        subprocess.run([program("tstorm"), str(total), "8", str(out)], check=True, stdin=subprocess.DEVNULL)
        untraced.append(_read_elapsed(out) / 1e6)
        for key, extra in order:
            ns, tracer_cpu = _storm(total, scratch.file(f"pane-storm-{key}-{r}"), extra)
            elapsed[key].append(ns / 1e6)
            cpu[key].append(tracer_cpu / total / 1e3)
        log(f"  pane storm round {r + 1}/{rounds}: on {elapsed['on'][-1]:.0f} ms, off {elapsed['off'][-1]:.0f} ms")
    ratios = [on / off for on, off in zip(elapsed["on"], elapsed["off"])]
    added = [(on - off) * 1e3 / total for on, off in zip(elapsed["on"], elapsed["off"])]
    return {
        "total": total,
        "rounds": rounds,
        "untraced_ms": summary(untraced),
        "on_ms": summary(elapsed["on"]),
        "off_ms": summary(elapsed["off"]),
        "ratio": summary(ratios),
        "added_us_per_thread": summary(added),
        "cpu_on_us_per_thread": summary(cpu["on"]),
        "cpu_off_us_per_thread": summary(cpu["off"]),
    }


# ----- 2. the refresh ----------------------------------------------------------------------


def _session(pid: int, seconds: float, invalidated: bool) -> dict[str, Any]:
    with Adapter(python=common.PYTHON) as adapter:
        capabilities = {"supportsInvalidatedEvent": True} if invalidated else {}
        adapter.request("initialize", {"adapterID": "dap-threads", "clientID": "benchmarks", **capabilities})
        adapter.event("initialized")
        adapter.request("attach", {"pid": pid, "threadRefreshLimit": 10**9, "creationStacks": False})
        adapter.request("configurationDone")
        time.sleep(3)  # the first samples read every thread's wait (a detail budget spreads them)
        # What the client shows; an `invalidated` sent meanwhile waits for this answer before the next one.
        adapter.request("threads", timeout=120)
        mark, refreshes, sizes, parse_ms, answer_ms = adapter.mark(), 0, [], [], []
        before, start = cpu_ns(adapter.proc.pid), time.monotonic()
        while time.monotonic() - start < seconds:
            try:
                left = max(0.1, seconds - (time.monotonic() - start))
                adapter.event("invalidated", start=mark, timeout=left)
            except TimeoutError:
                break
            mark = adapter.mark()
            asked = time.perf_counter()
            _, response = adapter.request("threads", timeout=120)
            answer_ms.append((time.perf_counter() - asked) * 1e3)
            mark = adapter.mark()
            text = json.dumps(response)
            parsed = time.perf_counter()
            json.loads(text)
            parse_ms.append((time.perf_counter() - parsed) * 1e3)
            sizes.append(len(text))
            refreshes += 1
        elapsed = time.monotonic() - start
        cpu_ms = (cpu_ns(adapter.proc.pid) - before) / 1e6
    return {
        "refreshes": refreshes,
        "seconds": elapsed,
        "cpu_ms_per_second": cpu_ms / elapsed,
        "threads_bytes": summary(sizes),
        "client_parse_ms": summary(parse_ms),
        "threads_answer_ms": summary(answer_ms),
    }


def refresh_cost(n: int, seconds: float) -> dict[str, Any]:
    log(f"  pane refresh at {n} threads ...")
    flip = subprocess.Popen([program("flip"), str(n)], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        common.wait_for_line(flip, b"flip: ready", 120)
        refreshed = _session(flip.pid, seconds, invalidated=True)
        sampled = _session(flip.pid, seconds, invalidated=False)
    finally:
        common.stop(flip)
    per_refresh = None
    if refreshed["refreshes"]:
        extra = (refreshed["cpu_ms_per_second"] - sampled["cpu_ms_per_second"]) * refreshed["seconds"]
        per_refresh = extra / refreshed["refreshes"]
    return {
        "threads": n,
        "refreshed": refreshed,
        "sampled_only": sampled,
        "adapter_cpu_ms_per_refresh": per_refresh,
        "sampling_cpu_ms_per_second": sampled["cpu_ms_per_second"],
    }
