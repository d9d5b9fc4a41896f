"""What every suite shares: paths, the programs, statistics, and processes we start."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
BUILD = BENCH / "build"
RESULTS = BENCH / "results"
TESTDATA = REPO / "testdata" / "build"

#: The interpreter that runs the adapter: the one running the benchmarks (the venv's, via `make bench`).
PYTHON = sys.executable

C_PROGRAMS = ("min_tracer", "tstorm", "pace", "pstorm")


def program(name: str) -> str:
    """Path of a compiled benchmark program (benchmarks/build) or test program (testdata/build)."""
    path = BUILD / name
    return str(path if path.exists() else TESTDATA / name)


def build() -> None:
    """Compile testdata and the benchmark's own C programs (only what is out of date)."""
    subprocess.run(["make", "-s", "-C", str(REPO / "testdata")], check=True)
    BUILD.mkdir(exist_ok=True)
    for name in C_PROGRAMS:
        source, binary = BENCH / f"{name}.c", BUILD / name
        if binary.exists() and binary.stat().st_mtime >= source.stat().st_mtime:
            continue
        subprocess.run(["gcc", "-O2", "-g", "-Wall", "-Wextra", "-pthread", "-o", str(binary), str(source)], check=True)


def tool(name: str) -> str | None:
    return shutil.which(name)


def tool_version(argv: Sequence[str]) -> str | None:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0] if text else None


@dataclass
class Scratch:
    """A temporary folder for the files the programs write."""

    path: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="dap-threads-bench-")))
    counter: int = 0

    def file(self, stem: str) -> Path:
        self.counter += 1
        return self.path / f"{stem}-{self.counter}"

    def cleanup(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


# ----- statistics -------------------------------------------------------------


def summary(values: Iterable[float]) -> dict[str, Any]:
    """Median with min and max, and the runs themselves (rounded)."""
    runs = [v for v in values if v is not None]
    if not runs:
        return {"median": None, "min": None, "max": None, "runs": []}
    return {"median": statistics.median(runs), "min": min(runs), "max": max(runs), "runs": [round(v, 4) for v in runs]}


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of already sorted values (p in 0..100)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), int(-(-p * len(sorted_values) // 100))))
    return sorted_values[rank - 1]


def rotate(items: Sequence[Any], by: int) -> list[Any]:
    """The same contestants in a different order each round: none always goes first."""
    by %= max(1, len(items))
    return list(items[by:]) + list(items[:by])


# ----- processes ----------------------------------------------------------------


def wait_for_line(proc: subprocess.Popen[bytes], needle: bytes, timeout: float) -> bytes:
    """Read proc's stdout lines until one contains needle."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{proc.args!r} ended (status {proc.wait()}) before printing {needle!r}")
        if needle in line:
            return line
    raise TimeoutError(f"{proc.args!r} did not print {needle!r} within {timeout} s")


def stop(proc: subprocess.Popen[Any]) -> None:
    """End a process we started (by its own id) and reap it."""
    if proc.poll() is None:
        try:
            proc.kill()
        except ProcessLookupError:
            pass
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        pass
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            try:
                stream.close()
            except OSError:
                pass


def tracer_pid(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("TracerPid:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def wait_untraced(pid: int, timeout: float = 60) -> None:
    """Wait until no tracer holds ``pid`` (a detach has finished)."""
    deadline = time.monotonic() + timeout
    while tracer_pid(pid) != 0:
        if time.monotonic() > deadline:
            raise TimeoutError(f"process {pid} is still traced after {timeout} s")
        time.sleep(0.01)


def task_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


def stopped_threads(pid: int) -> int:
    """How many threads of ``pid`` are in a tracing stop ('t') right now."""
    count = 0
    for name in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{name}/stat", "rb") as f:
                data = f.read()
        except OSError:
            continue
        if data[data.rindex(b")") + 2 : data.rindex(b")") + 3] == b"t":
            count += 1
    return count


class Spinners:
    """`spin N -1` processes (N idle threads), started once and shared by the suites that need them."""

    def __init__(self) -> None:
        self._procs: dict[int, subprocess.Popen[bytes]] = {}

    def get(self, nthreads: int) -> int:
        proc = self._procs.get(nthreads)
        if proc is None or proc.poll() is not None:
            proc = subprocess.Popen(
                [program("spin"), str(nthreads), "-1"],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                stdin=subprocess.DEVNULL,
            )
            self._procs[nthreads] = proc
            wait_for_line(proc, b"spin: ready", 120)
        return proc.pid

    def close(self) -> None:
        for proc in self._procs.values():
            stop(proc)
        self._procs.clear()


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
