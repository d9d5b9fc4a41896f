"""`dap-threads ps`: the processes this user may trace, for people and for process pickers."""

from __future__ import annotations

import json
import os
import sys

import psutil


def traceable_processes() -> list[dict[str, object]]:
    """Name, pid, thread count and command line of each process we could attach to.

    Leaves out kernel threads (no command line, no executable), this adapter
    and its parent chain's own process, and, unless we are root, other users'
    processes.
    """
    me = os.getpid()
    uid = os.geteuid()
    rows = []
    for proc in psutil.process_iter(["pid", "name", "num_threads", "cmdline", "uids", "status", "ppid"]):
        info = proc.info
        if info["pid"] in (me, 0) or not info["cmdline"] or info["status"] == psutil.STATUS_ZOMBIE:
            continue  # an empty cmdline is a kernel thread (or a zombie)
        if uid != 0 and info["uids"] is not None and info["uids"].real != uid:
            continue
        rows.append(
            {
                "pid": info["pid"],
                "name": info["name"] or "",
                "threads": info["num_threads"] or 0,
                "command": " ".join(info["cmdline"]),
            }
        )
    return rows


def ps(as_json: bool) -> int:
    rows = traceable_processes()
    if as_json:
        json.dump(rows, sys.stdout)
        sys.stdout.write("\n")
        return 0
    # A terminal command, not the adapter: its stdout is the user's terminal, not a DAP wire.
    out = sys.stdout
    out.write(f"{'PID':>7} {'THREADS':>7}  {'NAME':<16} COMMAND\n")
    for row in rows:
        out.write(f"{row['pid']:>7} {row['threads']:>7}  {str(row['name'])[:16]:<16} {str(row['command'])[:100]}\n")
    return 0
