"""Attach: from the `attach` request to a complete `threads` response, against gdb and the floor.

The target is ``spin N -1`` (N idle threads), one process per N, reused by
every contestant in turn (each detaches before the next attaches):

- dap-threads: the adapter is started and initialized first (not timed);
  the clock runs from sending `attach`, through `configurationDone`, to the
  `threads` response that lists all N+1 threads, as an editor would do it.
- gdb: ``gdb -nx -batch -p PID -ex 'info threads'``: attach, list, detach,
  including gdb's own start-up (what a person waits for).
- floor: ``min_tracer --probe PID``: PTRACE_SEIZE of every thread, in C (no
  names, no messages).
"""

from __future__ import annotations

import re
import subprocess
import time
from typing import Any

from . import common
from .common import Spinners, log, program, summary
from .dap import Adapter

_GDB_THREAD = re.compile(rb"^\*?\s+\d+\s+Thread ", re.M)


def dap_attach(pid: int, expected: int) -> dict[str, Any]:
    with Adapter(python=common.PYTHON) as adapter:
        adapter.initialize()
        start = time.monotonic_ns()
        attached, _ = adapter.request("attach", {"pid": pid}, timeout=120)
        adapter.request("configurationDone")
        requests = 0
        while True:
            requests += 1
            arrival, response = adapter.request("threads", timeout=120)
            listed = len(response["body"]["threads"])
            if listed >= expected or requests >= 50:
                break
    common.wait_untraced(pid)
    return {
        "ms": (arrival - start) / 1e6,
        "attach_response_ms": (attached - start) / 1e6,
        "listed": listed,
        "threads_requests": requests,
    }


def gdb_attach(pid: int, expected: int, timeout: float) -> dict[str, Any]:
    start = time.monotonic_ns()
    out = subprocess.run(
        ["gdb", "-nx", "-batch", "-p", str(pid), "-ex", "info threads"],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
    )
    elapsed = (time.monotonic_ns() - start) / 1e6
    common.wait_untraced(pid)
    return {"ms": elapsed, "listed": len(_GDB_THREAD.findall(out.stdout))}


def floor_probe(pid: int) -> dict[str, float]:
    """min_tracer --probe: seize all, interrupt all and wait each stop, resume all (ms each)."""
    out = subprocess.run(
        [program("min_tracer"), "--probe", str(pid)], capture_output=True, text=True, check=True, timeout=600
    )
    fields = dict(item.split("=") for item in out.stdout.split())
    common.wait_untraced(pid)
    return {
        "seize_ms": int(fields["seize_ns"]) / 1e6,
        "pause_ms": int(fields["pause_ns"]) / 1e6,
        "cont_ms": int(fields["cont_ns"]) / 1e6,
        "threads": int(fields["threads"]),
    }


def run(spinners: Spinners, *, sizes: list[int], rounds: int, gdb_rounds: dict[int, int]) -> dict[str, Any]:
    """gdb_rounds: fewer gdb runs for large N (gdb needs ~20 s for 10,000 threads)."""
    has_gdb = common.tool("gdb") is not None
    rows = {}
    for n in sizes:
        pid = spinners.get(n)
        expected = common.task_count(pid)
        results: dict[str, list[dict[str, Any]]] = {"dap": [], "gdb": [], "floor": []}
        wanted_gdb = gdb_rounds.get(n, rounds) if has_gdb else 0
        for r in range(rounds):
            order = common.rotate(["dap", "gdb", "floor"], r)
            gdb_note = ""
            for who in order:
                if who == "dap":
                    results["dap"].append(dap_attach(pid, expected))
                elif who == "gdb" and len(results["gdb"]) < wanted_gdb:
                    results["gdb"].append(gdb_attach(pid, expected, timeout=300))
                    gdb_note = f", gdb {results['gdb'][-1]['ms']:.0f} ms"
                elif who == "floor":
                    results["floor"].append(floor_probe(pid))
            log(
                f"  attach round {r + 1}/{rounds} at {n} threads: dap {results['dap'][-1]['ms']:.0f} ms"
                + gdb_note
                + f", floor seize {results['floor'][-1]['seize_ms']:.1f} ms"
            )
        rows[str(n)] = {
            "threads": expected,
            "dap_ms": summary(x["ms"] for x in results["dap"]),
            "dap_attach_response_ms": summary(x["attach_response_ms"] for x in results["dap"]),
            "dap_complete": all(x["listed"] == expected for x in results["dap"]),
            "dap_first_threads_complete": all(x["threads_requests"] == 1 for x in results["dap"]),
            "gdb_ms": summary(x["ms"] for x in results["gdb"]),
            "gdb_complete": all(x["listed"] == expected for x in results["gdb"]) if results["gdb"] else None,
            "floor_seize_ms": summary(x["seize_ms"] for x in results["floor"]),
            "_floor": results["floor"],
        }
    return {"rounds": rounds, "rows": rows}
