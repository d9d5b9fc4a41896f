"""`dap-threads ps`: the processes on this machine, for people and for process pickers.

Each row says whether dap-threads may trace the process and, if not, why
(``engine.traceable``), so that a picker marks it before the pick instead of
failing after it; and its user and CPU use over a short sample, so that the
busy one among several of the same name stands out.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any, TextIO

import psutil

from ..engine.traceable import Target, TracingRights, refusal

#: CPU% is measured over this many seconds (psutil's cpu_percent between two reads).
CPU_SAMPLE_SECONDS = 0.2

_FIELDS = ["pid", "name", "num_threads", "cmdline", "uids", "username", "status"]


def process_rows(sample_seconds: float = CPU_SAMPLE_SECONDS) -> list[dict[str, Any]]:
    """pid, name, threads, command, user, cpu (%), traceable and reason (None when traceable) of each process.

    Leaves out kernel threads (no command line), zombies and this process.
    """
    me = os.getpid()
    rights = TracingRights.ours()
    procs: dict[int, tuple[psutil.Process, dict[str, Any]]] = {}
    for proc in psutil.process_iter(_FIELDS):
        info = proc.info
        if info["pid"] in (me, 0) or not info["cmdline"] or info["status"] == psutil.STATUS_ZOMBIE:
            continue  # an empty cmdline is a kernel thread (or a zombie)
        try:
            proc.cpu_percent(None)  # the first read starts the sample
        except psutil.Error:
            continue
        procs[info["pid"]] = (proc, info)
    time.sleep(sample_seconds)
    rows = []
    for pid, (proc, info) in procs.items():
        try:
            cpu = proc.cpu_percent(None)
        except psutil.Error:
            continue  # it ended during the sample
        why = refusal(_target(pid, info), rights)
        rows.append(
            {
                "pid": pid,
                "name": info["name"] or "",
                "threads": info["num_threads"] or 0,
                "command": " ".join(info["cmdline"]),
                "user": info["username"] or (str(info["uids"].real) if info["uids"] else "?"),
                "cpu": round(cpu, 1),
                "traceable": why is None,
                "reason": why,
            }
        )
    return rows


def _target(pid: int, info: dict[str, Any]) -> Target:
    uids = info["uids"]
    triple = (uids.real, uids.effective, uids.saved) if uids is not None else (-1, -1, -1)
    user = info["username"] or str(triple[0])
    return Target(pid=pid, uids=triple, user=user, zombie=False, tracer_pid=_tracer_pid(pid))


def _tracer_pid(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("TracerPid:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def ps(as_json: bool, show_all: bool = False) -> int:
    rows = process_rows()
    if as_json:
        json.dump(rows, sys.stdout)
        sys.stdout.write("\n")
        return 0
    # A terminal command, not the adapter: its stdout is the user's terminal, not a DAP wire.
    try:
        _print_table(rows, show_all, sys.stdout)
    except BrokenPipeError:  # `dap-threads ps | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _print_table(rows: list[dict[str, Any]], show_all: bool, out: TextIO) -> None:
    out.write(f"{'PID':>7} {'USER':<10} {'%CPU':>5} {'THREADS':>7}  {'NAME':<16} COMMAND\n")
    for row in rows:
        if not (row["traceable"] or show_all):
            continue
        command = str(row["command"])[:100]
        if not row["traceable"]:
            command += f"  [cannot trace: {row['reason']}]"
        out.write(
            f"{row['pid']:>7} {str(row['user'])[:10]:<10} {row['cpu']:>5.1f} {row['threads']:>7}  "
            f"{str(row['name'])[:16]:<16} {command}\n"
        )
    hidden = sum(not row["traceable"] for row in rows)
    if hidden and not show_all:
        out.write(f"({hidden} processes you may not trace are left out: dap-threads ps --all lists them and why)\n")
    out.flush()
