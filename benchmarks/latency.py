"""Event latency: from a thread's creation to the client reading its `thread` started event.

``pace RATE COUNT OUT`` (launched through DAP) creates COUNT short threads at
RATE per second on absolute deadlines and records, per thread, its tid and
CLOCK_MONOTONIC just before pthread_create, right after it returns, and at the
thread's own start. The client stamps every chunk it reads with the same
clock. Latency is read time minus the return of pthread_create (the issue's
definition); "from call" (read time minus the call) is kept too, since the
adapter can publish the event before pthread_create has returned to the
creator. Tids are reused (pid_max may be 32768): the k-th creation with a tid
matches the k-th started event with that tid.
"""

from __future__ import annotations

from collections import defaultdict, deque
from typing import Any

from . import common
from .common import Scratch, log, percentile, program, summary
from .dap import Adapter


def one_run(scratch: Scratch, rate: int, count: int) -> dict[str, Any]:
    out = scratch.file(f"pace-{rate}")
    with Adapter(python=common.PYTHON) as adapter:
        adapter.initialize()
        adapter.launch(program("pace"), [rate, count, out])
        _, exited = adapter.event("exited", timeout=120 + count / rate * 4)
        if exited["body"]["exitCode"] != 0:
            raise RuntimeError(f"pace {rate} {count} failed: exit code {exited['body']['exitCode']}")
        adapter.event("terminated")
        arrivals = list(adapter.started)

    created: dict[int, deque[tuple[int, int]]] = defaultdict(deque)
    calls = []
    with open(out) as f:
        for line in f:
            _index, tid, call_ns, return_ns, _child_ns = map(int, line.split())
            created[tid].append((call_ns, return_ns))
            calls.append(call_ns)
    from_return, from_call = [], []
    for arrival, tid in arrivals:
        queue = created.get(tid)
        if not queue:
            continue  # the main thread, which pace did not create
        call_ns, return_ns = queue.popleft()
        from_return.append((arrival - return_ns) / 1e3)
        from_call.append((arrival - call_ns) / 1e3)
    lost = sum(len(q) for q in created.values())
    from_return.sort()
    from_call.sort()
    span = (max(calls) - min(calls)) / 1e9 if len(calls) > 1 else 0
    return {
        "events": len(from_return),
        "lost": lost,
        "achieved_rate": (len(calls) - 1) / span if span else None,
        "p50_us": percentile(from_return, 50),
        "p99_us": percentile(from_return, 99),
        "max_us": from_return[-1] if from_return else None,
        "from_call_p50_us": percentile(from_call, 50),
        "from_call_p99_us": percentile(from_call, 99),
        "samples_us": from_return,
        "samples_from_call_us": from_call,
    }


def run(scratch: Scratch, *, plan: list[tuple[int, int]], rounds: int) -> dict[str, Any]:
    """plan: (rate per second, thread count) pairs; rates alternate within each round."""
    per_rate: dict[int, list[dict[str, Any]]] = {rate: [] for rate, _ in plan}
    for r in range(rounds):
        for rate, count in common.rotate(plan, r):
            result = one_run(scratch, rate, count)
            per_rate[rate].append(result)
            log(
                f"  latency round {r + 1}/{rounds} at {rate}/s: p50 {result['p50_us']:.0f} µs, "
                f"p99 {result['p99_us']:.0f} µs, max {result['max_us']:.0f} µs, lost {result['lost']}"
            )
    rows = {}
    samples, samples_call = {}, {}
    for rate, count in plan:
        runs = per_rate[rate]
        rows[str(rate)] = {
            "rate": rate,
            "threads": count,
            **{
                key: summary(run[key] for run in runs)
                for key in ("p50_us", "p99_us", "max_us", "from_call_p50_us", "from_call_p99_us", "achieved_rate")
            },
            "lost": sum(run["lost"] for run in runs),
            "events": sum(run["events"] for run in runs),
        }
        samples[rate] = sorted(s for run in runs for s in run["samples_us"])
        samples_call[rate] = sorted(s for run in runs for s in run["samples_from_call_us"])
    return {"rounds": rounds, "rows": rows, "_samples": samples, "_samples_from_call": samples_call}
