"""Pause and continue with many threads: `pause` -> `stopped`, `continue` -> all running.

One adapter attaches to ``spin N -1`` (not timed), then alternates pause and
continue. Pause is timed from sending the request to reading the `stopped`
event. Continue is timed from sending the request to reading its response:
the adapter answers after PTRACE_CONT has been issued to every thread, so the
threads are runnable then; /proc is checked afterwards to confirm that no
thread is left in a tracing stop. The floors come from ``min_tracer --probe``
(C: interrupt every thread and collect each stop, resume every thread), once
collecting the stops by waitpid(tid) and once by waitpid(-1). lldb-dap, where
installed, is timed the same way (attached by its own launch sequencing).
"""

from __future__ import annotations

import time
from typing import Any

from . import common
from .attach import floor_probe
from .common import Spinners, log, program, summary
from .dap import Adapter, lldb_dap


def floor_any(pid: int) -> dict[str, float]:
    import subprocess

    out = subprocess.run(
        [program("min_tracer"), "--probe", str(pid), "--wait-any"],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    fields = dict(item.split("=") for item in out.stdout.split())
    common.wait_untraced(pid)
    return {"pause_ms": int(fields["pause_ns"]) / 1e6, "cont_ms": int(fields["cont_ns"]) / 1e6}


def _pause_rounds(adapter: Adapter, pid: int, rounds: int, who: str) -> tuple[list[float], list[float], list[int]]:
    pauses, continues, left_stopped = [], [], []
    for r in range(rounds):
        mark = adapter.mark()
        start = time.monotonic_ns()
        adapter.send("pause", {"threadId": pid})
        stopped, _ = adapter.event("stopped", start=mark, timeout=600)
        pauses.append((stopped - start) / 1e6)
        time.sleep(0.05)
        start = time.monotonic_ns()
        answered, _ = adapter.request("continue", {"threadId": pid}, timeout=600)
        continues.append((answered - start) / 1e6)
        left_stopped.append(common.stopped_threads(pid))
        log(
            f"  pause round {r + 1}/{rounds} at {common.task_count(pid)} threads ({who}): pause {pauses[-1]:.0f} ms, "
            f"continue {continues[-1]:.0f} ms, left stopped {left_stopped[-1]}"
        )
        time.sleep(0.1)
    return pauses, continues, left_stopped


def _lldb(pid: int, rounds: int) -> tuple[list[float], list[float]]:
    with Adapter(argv=[lldb_dap() or "lldb-dap"]) as adapter:
        adapter.request("initialize", {"adapterID": "lldb-dap", "clientID": "benchmarks"})
        mark = adapter.mark()
        adapter.start_deferred("attach", {"pid": pid}, timeout=600)
        time.sleep(0.5)
        if adapter.find(lambda m: m.get("event") == "stopped", mark):  # attach left it stopped
            adapter.request("continue", {"threadId": pid}, timeout=600)
            time.sleep(0.2)
        pauses, continues, _ = _pause_rounds(adapter, pid, rounds, "lldb-dap")
    common.wait_untraced(pid, 600)
    return pauses, continues


def run(
    spinners: Spinners,
    *,
    sizes: list[int],
    rounds: int,
    any_rounds: dict[int, int],
    lldb_rounds: dict[int, int] | None = None,
) -> dict[str, Any]:
    rows = {}
    for n in sizes:
        pid = spinners.get(n)
        threads = common.task_count(pid)
        with Adapter(python=common.PYTHON) as adapter:
            adapter.initialize()
            adapter.attach(pid)
            adapter.request("threads", timeout=120)
            pauses, continues, left_stopped = _pause_rounds(adapter, pid, rounds, "dap-threads")
        common.wait_untraced(pid)
        wanted_lldb = (lldb_rounds or {}).get(n, rounds) if lldb_dap() else 0
        lldb_pauses, lldb_continues = _lldb(pid, wanted_lldb) if wanted_lldb else ([], [])
        floors = [floor_probe(pid) for _ in range(rounds)]
        anys = [floor_any(pid) for _ in range(any_rounds.get(n, rounds))]
        rows[str(n)] = {
            "threads": threads,
            "pause_ms": summary(pauses),
            "continue_ms": summary(continues),
            "left_stopped_after_continue": max(left_stopped) if left_stopped else None,
            "lldb_pause_ms": summary(lldb_pauses),
            "lldb_continue_ms": summary(lldb_continues),
            "floor_pause_ms": summary(f["pause_ms"] for f in floors),
            "floor_cont_ms": summary(f["cont_ms"] for f in floors),
            "floor_any_pause_ms": summary(f["pause_ms"] for f in anys),
        }
        log(
            f"  pause floors at {n} threads: waitpid(tid) {rows[str(n)]['floor_pause_ms']['median']:.0f} ms, "
            f"waitpid(-1) {rows[str(n)]['floor_any_pause_ms']['median'] or 0:.0f} ms"
        )
    return {"rounds": rounds, "rows": rows}
