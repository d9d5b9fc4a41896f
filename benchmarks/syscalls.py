"""Syscall tracing: `dap-threads run --syscalls openat,connect` beside `strace -f -e trace=openat,connect`.

Each contestant runs ``netfiles ROUNDS THREADS NOISE`` (testdata): worker
threads that open a file, fail to open a missing one and connect to a TCP and
a Unix socket of the program's own, each round, plus NOISE getppid() calls
that the trace does not ask for. netfiles times its workers itself
(NETFILES_ELAPSED), so a tracer's start-up is not counted; the whole command's
time is recorded too. Contestants alternate within each round; all print their
lines to /dev/null.

Two workloads show where each tool stands: with NOISE 40 the traced calls
are a tenth of the program's calls (a program that does other things too);
with NOISE 0 they are a third (nearly everything it does is traced).
``strace -f`` stops at every call of every thread (PTRACE_SYSCALL); dap-threads
installs a seccomp filter that hands over only the named calls, as
``strace --seccomp-bpf`` does, which is listed for reference.
"""

from __future__ import annotations

import os
import subprocess
import time
from typing import Any

from . import common
from .common import Scratch, log, program, summary

TRACE = "openat,connect"


def _netfiles(rounds: int, threads: int, noise: int) -> list[str]:
    return [program("netfiles"), str(rounds), str(threads), str(noise)]


def _run(argv: list[str], elapsed_path: Any) -> tuple[float, float]:
    """(the workers' own ms, the whole command's ms)."""
    env = {**os.environ, "NETFILES_ELAPSED": str(elapsed_path)}
    started = time.monotonic()
    subprocess.run(
        argv, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    whole = (time.monotonic() - started) * 1e3
    return int(open(elapsed_path).read()) / 1e6, whole


def contestants(workload: list[str]) -> list[tuple[str, list[str]]]:
    found = [
        ("untraced", workload),
        (
            "dap-threads run --syscalls",
            [common.PYTHON, "-m", "dap_threads", "run", "--syscalls", TRACE, "--", *workload],
        ),
    ]
    if common.tool("strace"):
        found.append(("strace -f", ["strace", "-f", "-qq", "-e", f"trace={TRACE}", "-o", "/dev/null", *workload]))
        seccomp = ["strace", "-f", "--seccomp-bpf", "-qq", "-e", f"trace={TRACE}", "-o", "/dev/null", *workload]
        if subprocess.run([*seccomp[: -len(workload)], "true"], capture_output=True).returncode == 0:
            found.append(("strace -f --seccomp-bpf", seccomp))
    return found


def run(scratch: Scratch, *, workloads: list[tuple[int, int, int]], rounds: int) -> dict[str, Any]:
    results = []
    for rounds_of_work, threads, noise in workloads:
        workload = _netfiles(rounds_of_work, threads, noise)
        entries = contestants(workload)
        own: dict[str, list[float]] = {name: [] for name, _ in entries}
        whole: dict[str, list[float]] = {name: [] for name, _ in entries}
        for r in range(rounds):
            for name, argv in common.rotate(entries, r):
                ms, total = _run(argv, scratch.file("netfiles"))
                own[name].append(ms)
                whole[name].append(total)
            log(
                f"  syscalls noise {noise} round {r + 1}/{rounds}: "
                + ", ".join(f"{n} {own[n][-1]:.0f} ms" for n, _ in entries)
            )
        base = min(own["untraced"])
        results.append(
            {
                "rounds_of_work": rounds_of_work,
                "threads": threads,
                "noise": noise,
                # traced calls a round: 2 openat + 2 connect; other calls: read, write, 3 close, 2 socket, noise
                "traced_share": 4 / (11 + noise),
                "rows": {
                    name: {
                        "label": name,
                        "own_ms": summary(own[name]),
                        "whole_ms": summary(whole[name]),
                        "x_untraced": min(own[name]) / base,
                    }
                    for name, _ in entries
                },
            }
        )
    return {"trace": TRACE, "rounds": rounds, "workloads": results}
