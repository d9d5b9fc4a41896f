"""The programs under test: where testdata builds them, starting them untraced, and reading their state in /proc.

Every test drives real processes on the real kernel; these are the helpers the
suites share (fixtures live in ``conftest.py``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import TypeVar

REPO = Path(__file__).resolve().parents[1]
BUILD = REPO / "testdata" / "build"

T = TypeVar("T")


def program(name: str) -> str:
    return str(BUILD / name)


class Started(subprocess.Popen):
    """A program started with both pipes whose ``communicate`` keeps what ``readline`` already buffered.

    Popen.communicate with two pipes reads their file descriptors directly (selectors and os.read), so
    lines the text wrapper had read ahead for an earlier ``proc.stdout.readline()`` are lost: a test
    that read the first line and then the rest saw a line vanish whenever the program wrote two lines
    at once. Here the rest is read through the same buffered objects, one thread per pipe.
    """

    def communicate(self, input=None, timeout=None):
        if input is not None:
            return super().communicate(input, timeout)
        texts: dict[str, str | None] = {"out": None, "err": None}

        def drain(key: str, pipe) -> None:
            texts[key] = pipe.read() if pipe is not None else None

        readers = [
            threading.Thread(target=drain, args=("out", self.stdout), daemon=True),
            threading.Thread(target=drain, args=("err", self.stderr), daemon=True),
        ]
        for reader in readers:
            reader.start()
        deadline = None if timeout is None else time.monotonic() + timeout
        for reader in readers:
            reader.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
            if reader.is_alive():
                raise subprocess.TimeoutExpired(self.args, timeout)
        self.wait(None if deadline is None else max(0.1, deadline - time.monotonic()))
        return texts["out"], texts["err"]


class Programs:
    """Starts testdata programs untraced (for attach) and makes sure none outlives the test."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen[str]] = []

    def start(self, name: str, *args: object, wait_line: str | None = None, **kwargs) -> subprocess.Popen[str]:
        proc = Started(
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
