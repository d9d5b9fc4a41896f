"""Storm overhead: what tracing costs a program that creates many short threads.

Each contestant runs ``tstorm TOTAL BATCH OUT`` (create BATCH threads, join
them, repeat), which times its own create/join loop, so a tracer's start-up
(gdb reading symbols, the adapter's imports) is not counted. In every round
each contestant runs once, in a rotated order; a contestant's added cost per
thread in a round is (its time - the untraced time of that round) / TOTAL.

The tracer's own CPU time per thread is recorded too where it can be told
apart from the program's (the minimal tracer's getrusage, the adapter's
/proc schedstat over the storm): on a busy 2-core machine it is steadier
than wall time.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from typing import Any

from . import common
from .common import Scratch, log, program, summary
from .dap import Adapter, cpu_ns

#: What a runner returns: the storm's own elapsed time, and the tracer's CPU time during it (if known).
Result = tuple[int, "int | None"]


def _read_elapsed(path) -> int:
    elapsed, _threads = open(path).read().split()
    return int(elapsed)


def untraced(total: int, batch: int, out) -> Result:
    subprocess.run([program("tstorm"), str(total), str(batch), str(out)], check=True, stdin=subprocess.DEVNULL)
    return _read_elapsed(out), None


def min_tracer(total: int, batch: int, out, exit_event: bool = False) -> Result:
    flags = ["--cpu", "--exit-event"] if exit_event else ["--cpu"]
    done = subprocess.run(
        [program("min_tracer"), *flags, "--", program("tstorm"), str(total), str(batch), str(out)],
        check=True,
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    cpu = int(done.stderr.rsplit("cpu_ns=", 1)[1].split()[0])
    return _read_elapsed(out), cpu


def dap_launch(total: int, batch: int, out, baseline: str | None = None, **launch_args: object) -> Result:
    # A baseline checkout's adapter: its folder first on the path, and not this one's (-P: no cwd entry).
    extra = {"env": {"PYTHONPATH": baseline}, "pre_args": ["-P"]} if baseline else {}
    with Adapter(python=common.PYTHON, **extra) as adapter:
        adapter.initialize()
        before = cpu_ns(adapter.proc.pid)
        adapter.launch(program("tstorm"), [total, batch, out], **launch_args)
        adapter.event("terminated", timeout=300)
        cpu = cpu_ns(adapter.proc.pid) - before
        _check_events(adapter, total, "launch")
    return _read_elapsed(out), cpu


def dap_attach(total: int, batch: int, out) -> Result:
    storm = subprocess.Popen(
        [program("tstorm"), str(total), str(batch), str(out), "--wait"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        common.wait_for_line(storm, b"ready", 30)
        with Adapter(python=common.PYTHON) as adapter:
            adapter.initialize()
            adapter.attach(storm.pid)
            before = cpu_ns(adapter.proc.pid)
            storm.stdin.write(b"x")  # type: ignore[union-attr]
            storm.stdin.flush()  # type: ignore[union-attr]
            adapter.event("terminated", timeout=300)
            cpu = cpu_ns(adapter.proc.pid) - before
            _check_events(adapter, total, "attach")
        if storm.wait(60) != 0:
            raise RuntimeError(f"tstorm failed under dap-threads attach: status {storm.returncode}")
    finally:
        common.stop(storm)
    return _read_elapsed(out), cpu


def _check_events(adapter: Adapter, total: int, how: str) -> None:
    # One started and one exited event per storm thread, plus the main thread's.
    started = len(adapter.started)
    if started != total + 1 or adapter.exited_count != total + 1:
        raise RuntimeError(
            f"dap-threads {how}: {started} started / {adapter.exited_count} exited events for {total} threads + main"
        )


def gdb_batch(total: int, batch: int, out) -> Result:
    subprocess.run(
        [
            "gdb",
            "-nx",
            "-batch",
            "-ex",
            "set startup-with-shell off",
            "-ex",
            "run",
            "--args",
            program("tstorm"),
            str(total),
            str(batch),
            str(out),
        ],
        check=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return _read_elapsed(out), None


def strace_f(total: int, batch: int, out) -> Result:
    subprocess.run(
        ["strace", "-f", "-o", "/dev/null", program("tstorm"), str(total), str(batch), str(out)],
        check=True,
        stdin=subprocess.DEVNULL,
    )
    return _read_elapsed(out), None


Runner = Callable[[int, int, Any], Result]

#: (key, label, runner, tool it needs)
CONTESTANTS: list[tuple[str, str, Runner, str | None]] = [
    ("untraced", "untraced", untraced, None),
    ("min_c", "min C tracer (TRACECLONE)", min_tracer, None),
    ("min_c_exit", "min C tracer (+TRACEEXIT)", lambda t, b, o: min_tracer(t, b, o, exit_event=True), None),
    ("dap_launch", "dap-threads launch (DAP)", dap_launch, None),
    ("dap_attach", "dap-threads attach (DAP)", dap_attach, None),
    # The thread pane off: no /proc sampling, no creation stacks (issue 15; the pane suite has a longer storm).
    (
        "dap_launch_unobserved",
        "dap-threads launch, sampling off",
        lambda t, b, o: dap_launch(t, b, o, sampleThreads=False, creationStacks=False),
        None,
    ),
    ("gdb", "gdb -batch (run)", gdb_batch, "gdb"),
    ("strace", "strace -f", strace_f, "strace"),
]

#: BENCH_BASELINE=/path/to/another/checkout adds its adapter, launched the same way, to compare two versions
#: of dap-threads in one run (e.g. a branch against main: the storm with every follow mode off).
BASELINE = os.environ.get("BENCH_BASELINE")
if BASELINE:
    CONTESTANTS.insert(
        4,
        (
            "dap_launch_baseline",
            f"dap-threads launch ({os.path.basename(BASELINE.rstrip('/'))})",
            lambda t, b, o: dap_launch(t, b, o, baseline=BASELINE),
            None,
        ),
    )


def run(scratch: Scratch, *, total: int, batch: int, rounds: int) -> dict[str, Any]:
    contestants = [c for c in CONTESTANTS if c[3] is None or common.tool(c[3])]
    skipped = [c[0] for c in CONTESTANTS if c not in contestants]
    elapsed: dict[str, list[float]] = {c[0]: [] for c in contestants}
    added: dict[str, list[float]] = {c[0]: [] for c in contestants}
    ratio: dict[str, list[float]] = {c[0]: [] for c in contestants}
    cpu: dict[str, list[float]] = {c[0]: [] for c in contestants}
    for r in range(rounds):
        this_round: dict[str, int] = {}
        for key, _label, runner, _tool in common.rotate(contestants, r):
            this_round[key], tracer_cpu = runner(total, batch, scratch.file(key))
            if tracer_cpu is not None:
                cpu[key].append(tracer_cpu / total / 1e3)  # µs per thread
        base = this_round["untraced"]
        for key, ns in this_round.items():
            elapsed[key].append(ns / 1e6)
            added[key].append((ns - base) / total / 1e3)  # µs per thread
            ratio[key].append(ns / base)
        log(f"  storm round {r + 1}/{rounds}: " + ", ".join(f"{k} {v / 1e6:.0f} ms" for k, v in this_round.items()))
    rows = {}
    best_base = min(elapsed["untraced"])
    for key, label, _runner, _tool in contestants:
        rows[key] = {
            "label": label,
            "elapsed_ms": summary(elapsed[key]),
            # Best round against best round: what a quiet machine would show.
            "best_added_us_per_thread": (min(elapsed[key]) - best_base) * 1e3 / total,
            "added_us_per_thread": summary(added[key]),
            "ratio": summary(ratio[key]),
            "tracer_cpu_us_per_thread": summary(cpu[key]),
        }
    return {"total": total, "batch": batch, "rounds": rounds, "skipped": skipped, "rows": rows}
