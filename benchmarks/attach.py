"""Attach: from the `attach` request to a complete `threads` response, against gdb and the floor.

The target is ``spin N -1`` (N idle threads), one process per N, reused by
every contestant in turn (each detaches before the next attaches):

- dap-threads: the adapter is started and initialized first (not timed);
  the clock runs from sending `attach`, through `configurationDone`, to the
  `threads` response that lists all N+1 threads, as an editor would do it.
- gdb: ``gdb -nx -batch -p PID -ex 'info threads'``: attach, list, detach,
  including gdb's own start-up (what a person waits for).
- lldb-dap (where installed): the same requests, with its launch sequencing
  (`attach` is answered after `configurationDone`).
- floor: ``min_tracer --probe PID``: PTRACE_SEIZE of every thread, in C (no
  names, no messages).

Each dap-threads round ends with a timed `disconnect` (the program running):
the request to its response, after which the program must be untraced; the
floor for it is ``min_tracer --probe``'s interrupt, wait and detach of every
thread.
"""

from __future__ import annotations

import re
import subprocess
import time
from typing import Any

from . import common
from .common import Spinners, log, program, summary
from .dap import Adapter, lldb_dap

_GDB_THREAD = re.compile(rb"^\*?\s+\d+\s+Thread ", re.M)


def dap_attach(pid: int, expected: int) -> dict[str, Any]:
    with Adapter(python=common.PYTHON) as adapter:
        adapter.initialize()
        start = time.monotonic_ns()
        attached, _ = adapter.request("attach", {"pid": pid}, timeout=120)
        adapter.request("configurationDone")
        arrival, listed, requests = _threads_until_complete(adapter, expected)
        time.sleep(0.05)
        leave = time.monotonic_ns()
        left, _ = adapter.request("disconnect", {}, timeout=120)
    common.wait_untraced(pid)
    return {
        "ms": (arrival - start) / 1e6,
        "attach_response_ms": (attached - start) / 1e6,
        "listed": listed,
        "threads_requests": requests,
        "disconnect_ms": (left - leave) / 1e6,
    }


def lldb_attach(pid: int, expected: int, timeout: float) -> dict[str, Any]:
    with Adapter(argv=[lldb_dap() or "lldb-dap"]) as adapter:
        adapter.request("initialize", {"adapterID": "lldb-dap", "clientID": "benchmarks"})
        start = time.monotonic_ns()
        adapter.start_deferred("attach", {"pid": pid}, timeout=timeout)
        arrival, listed, _ = _threads_until_complete(adapter, expected, timeout)
    common.wait_untraced(pid, timeout)
    return {"ms": (arrival - start) / 1e6, "listed": listed}


def _threads_until_complete(adapter: Adapter, expected: int, timeout: float = 120) -> tuple[int, int, int]:
    """(arrival ns, threads listed, requests made): `threads` until it lists every thread (at most 50 times)."""
    requests = 0
    while True:
        requests += 1
        arrival, response = adapter.request("threads", timeout=timeout)
        listed = len(response["body"]["threads"])
        if listed >= expected or requests >= 50:
            return arrival, listed, requests


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
        "detach_ms": int(fields["detach_ns"]) / 1e6,
        "threads": int(fields["threads"]),
    }


def run(
    spinners: Spinners,
    *,
    sizes: list[int],
    rounds: int,
    gdb_rounds: dict[int, int],
    lldb_rounds: dict[int, int] | None = None,
) -> dict[str, Any]:
    """gdb_rounds, lldb_rounds: fewer runs of those for large N (gdb needs ~20 s for 10,000 threads)."""
    has_gdb = common.tool("gdb") is not None
    has_lldb = lldb_dap() is not None
    lldb_rounds = lldb_rounds or {}
    rows = {}
    for n in sizes:
        pid = spinners.get(n)
        expected = common.task_count(pid)
        results: dict[str, list[dict[str, Any]]] = {"dap": [], "gdb": [], "lldb": [], "floor": []}
        wanted_gdb = gdb_rounds.get(n, rounds) if has_gdb else 0
        wanted_lldb = lldb_rounds.get(n, rounds) if has_lldb else 0
        for r in range(rounds):
            order = common.rotate(["dap", "gdb", "lldb", "floor"], r)
            notes = ""
            for who in order:
                if who == "dap":
                    results["dap"].append(dap_attach(pid, expected))
                elif who == "gdb" and len(results["gdb"]) < wanted_gdb:
                    results["gdb"].append(gdb_attach(pid, expected, timeout=300))
                    notes += f", gdb {results['gdb'][-1]['ms']:.0f} ms"
                elif who == "lldb" and len(results["lldb"]) < wanted_lldb:
                    results["lldb"].append(lldb_attach(pid, expected, timeout=300))
                    notes += f", lldb-dap {results['lldb'][-1]['ms']:.0f} ms"
                elif who == "floor":
                    results["floor"].append(floor_probe(pid))
            log(
                f"  attach round {r + 1}/{rounds} at {n} threads: dap {results['dap'][-1]['ms']:.0f} ms "
                f"(disconnect {results['dap'][-1]['disconnect_ms']:.0f} ms)"
                + notes
                + f", floor seize {results['floor'][-1]['seize_ms']:.1f} ms"
            )
        rows[str(n)] = {
            "threads": expected,
            "dap_ms": summary(x["ms"] for x in results["dap"]),
            "dap_attach_response_ms": summary(x["attach_response_ms"] for x in results["dap"]),
            "dap_complete": all(x["listed"] == expected for x in results["dap"]),
            "dap_first_threads_complete": all(x["threads_requests"] == 1 for x in results["dap"]),
            "dap_disconnect_ms": summary(x["disconnect_ms"] for x in results["dap"]),
            "gdb_ms": summary(x["ms"] for x in results["gdb"]),
            "gdb_complete": all(x["listed"] == expected for x in results["gdb"]) if results["gdb"] else None,
            "lldb_ms": summary(x["ms"] for x in results["lldb"]),
            "lldb_complete": all(x["listed"] == expected for x in results["lldb"]) if results["lldb"] else None,
            "floor_seize_ms": summary(x["seize_ms"] for x in results["floor"]),
            "floor_detach_ms": summary(x["detach_ms"] for x in results["floor"]),
            "_floor": results["floor"],
        }
    return {"rounds": rounds, "rows": rows}
