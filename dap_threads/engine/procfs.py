"""Reading what the engine needs from /proc (man 5 proc).

These reads need no ptrace and may run on any thread.
"""

from __future__ import annotations

import os


def task_ids(pid: int) -> list[int]:
    """Tids listed in /proc/PID/task (empty if the process is gone)."""
    try:
        return [int(name) for name in os.listdir(f"/proc/{pid}/task")]
    except (FileNotFoundError, ProcessLookupError):
        return []


def thread_name(pid: int, tid: int) -> str | None:
    """The thread's comm (what pthread_setname_np sets), or None if it is gone."""
    try:
        with open(f"/proc/{pid}/task/{tid}/comm", "rb") as f:
            return f.read().rstrip(b"\n").decode("utf-8", "replace")
    except OSError:
        return None


def status_fields(pid: int) -> dict[str, str]:
    """The fields of /proc/PID/status ({} if the process is gone)."""
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            return parse_status(f.read().decode("utf-8", "replace"))
    except OSError:
        return {}


def parse_status(text: str) -> dict[str, str]:
    """``Key:\tvalue`` lines of a /proc status file as a dict of stripped values."""
    fields = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


def signal_unheeded(pid: int, sig: int) -> bool:
    """Whether the process ignores ``sig`` (SigIgn) or leaves it pending, blocked in every thread (ShdPnd)."""
    fields = status_fields(pid)
    bit = 1 << (sig - 1)
    return any(int(fields.get(name, "0"), 16) & bit for name in ("SigIgn", "ShdPnd"))


def thread_state(pid: int, tid: int) -> str | None:
    """The one-letter state of /proc/PID/task/TID/stat (R, S, t, Z, ...), or None."""
    try:
        with open(f"/proc/{pid}/task/{tid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    return stat_fields(data)[0]


def stat_fields(data: bytes) -> list[str]:
    """The fields of a /proc stat line after the command name: [state, ppid, pgrp, ...] (field 3 onwards).

    The command name (field 2) may hold spaces and parentheses, so it cannot be
    split on: everything after the *last* ')' is the rest (man 5 proc, /proc/pid/stat).
    """
    return data[data.rindex(b")") + 2 :].decode("ascii", "replace").split()


def process_name(pid: int) -> str | None:
    return thread_name(pid, pid)


def is_kernel_thread(pid: int) -> bool:
    """Kernel threads carry PF_KTHREAD. (Not "pid 2": that is kthreadd only in the initial PID namespace;
    in a container's it is an ordinary process.)"""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = stat_fields(f.read())
        # field 9 (flags) carries PF_KTHREAD (0x00200000); fields[0] is field 3 (state)
        return bool(int(fields[6]) & 0x00200000)
    except (OSError, ValueError, IndexError):
        return False


def thread_start_time(pid: int, tid: int) -> float | None:
    """When the thread started, as a Unix time: stat's starttime (field 22, clock ticks after boot) + btime."""
    try:
        with open(f"/proc/{pid}/task/{tid}/stat", "rb") as f:
            ticks = int(stat_fields(f.read())[19])
    except (OSError, ValueError, IndexError):
        return None
    boot = boot_time()
    return None if boot is None else boot + ticks / os.sysconf("SC_CLK_TCK")


def boot_time() -> float | None:
    """The btime line of /proc/stat: when the machine booted, in whole Unix seconds."""
    try:
        with open("/proc/stat", "rb") as f:
            for line in f:
                if line.startswith(b"btime "):
                    return float(line.split()[1])
    except OSError:
        pass
    return None
