"""The programs under test: where testdata builds them, starting them untraced, and reading their state in /proc.

Every test drives real processes on the real kernel; these are the helpers the
suites share (fixtures live in ``conftest.py``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import TypeVar

REPO = Path(__file__).resolve().parents[1]
BUILD = REPO / "testdata" / "build"

T = TypeVar("T")


def program(name: str) -> str:
    return str(BUILD / name)


class Programs:
    """Starts testdata programs untraced (for attach) and makes sure none outlives the test."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen[str]] = []

    def start(self, name: str, *args: object, wait_line: str | None = None, **kwargs) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [program(name), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs
        )
        self.started.append(proc)
        if wait_line is not None:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert wait_line in line, f"{name} printed {line!r}, expected {wait_line!r}"
        return proc

    def cleanup(self) -> None:
        for proc in self.started:
            if proc.poll() is None:
                try:
                    os.kill(proc.pid, signal.SIGCONT)
                    proc.kill()
                except ProcessLookupError:
                    pass
                proc.wait(10)


def thread_states(pid: int) -> dict[int, str]:
    """tid -> state letter from /proc/PID/task/TID/stat."""
    states = {}
    for name in os.listdir(f"/proc/{pid}/task"):
        try:
            data = Path(f"/proc/{pid}/task/{name}/stat").read_bytes()
        except OSError:
            continue
        states[int(name)] = data[data.rindex(b")") + 2 : data.rindex(b")") + 3].decode()
    return states


def tracer_pid(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("TracerPid:"):
            return int(line.split()[1])
    raise AssertionError("no TracerPid line")


def wait_until(predicate, timeout: float = 10, interval: float = 0.02, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"{what} not reached within {timeout} s")
