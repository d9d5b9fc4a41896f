"""`python -m benchmarks --profile`: where the adapter spends its time in a thread storm.

Launches ``tstorm N 8`` through DAP with a client that consumes every event,
with the adapter profiled, and prints per created thread where its time goes.

- ``--profiler py-spy`` (default when ``py-spy`` is installed): samples the
  running adapter from outside (``py-spy record --pid --nonblocking --idle
  --format raw``); does not slow it down. Samples are counted per function:
  own (the function is the innermost frame) and cumulative (anywhere on the
  stack), as µs per thread = share of samples x the storm's duration / N.
  Idle time shows up as ``select`` in the asyncio loop.
- ``--profiler cprofile``: ``python -m cProfile -o results/storm.prof -m
  dap_threads``; exact call counts (calls per thread tell the number of
  waitpid/ptrace calls per thread) but pure-Python code runs ~1.5-2x slower.
  Beware: a cProfile'd adapter occasionally spins forever inside the
  SIGCHLD handler (the stack stays at asyncio's ``_sighandler_noop`` nested
  inside a ctypes ptrace call); a timeout ends the run.
"""

from __future__ import annotations

import io
import pstats
import shutil
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

from . import common
from .common import Scratch, log, program
from .dap import Adapter, cpu_ns

#: Functions whose cumulative time is worth seeing on their own (file suffix, function name).
WATCH = [
    ("engine/sigchld.py", "_readable"),
    ("engine/reaper.py", "drain"),
    ("engine/fastptrace.py", "drain"),
    ("engine/tracer.py", "on_wait_status"),
    ("engine/tracer.py", "on_clone_resumed"),
    ("engine/tracer.py", "_on_clone"),
    ("engine/tracer.py", "publish"),
    ("engine/thread.py", "leave_stop"),
    ("engine/ptrace.py", "_call"),
    ("engine/ptrace.py", "cont"),
    ("engine/ptrace.py", "get_event_msg"),
    ("session/session.py", "on_engine_events"),
    ("dap/protocol.py", "send_thread_event"),
    ("dap/protocol.py", "send_event"),
    ("dap/protocol.py", "_send_data"),
    ("dap/protocol.py", "flush"),
    ("engine/owner.py", "checked"),
]


def main(threads: int, out_dir: Path, profiler: str | None = None, scenario: str = "storm") -> int:
    out_dir.mkdir(parents=True, exist_ok=True)
    py_spy = shutil.which("py-spy") or _venv_tool("py-spy")
    profiler = profiler or ("py-spy" if py_spy else "cprofile")
    if profiler == "py-spy" and not py_spy:
        log("py-spy is not installed (pip install py-spy)")
        return 2
    if scenario != "storm":
        if profiler != "py-spy":
            log("the attach and pause scenarios are profiled with py-spy only")
            return 2
        return _scenario_with_py_spy(py_spy, scenario, threads, out_dir)  # type: ignore[arg-type]
    scratch = Scratch()
    try:
        if profiler == "py-spy":
            return _with_py_spy(py_spy, threads, out_dir, scratch)  # type: ignore[arg-type]
        return _with_cprofile(threads, out_dir, scratch)
    finally:
        scratch.cleanup()


def _venv_tool(name: str) -> str | None:
    candidate = Path(common.PYTHON).parent / name
    return str(candidate) if candidate.exists() else None


def _storm(adapter: Adapter, threads: int, scratch: Scratch) -> float:
    start = time.monotonic()
    adapter.launch(program("tstorm"), [threads, 8, scratch.file("tstorm-prof")])
    adapter.event("terminated", timeout=300)
    seconds = time.monotonic() - start
    log(
        f"storm of {threads} threads under the profiled adapter: {seconds:.2f} s, "
        f"{len(adapter.started)} started / {adapter.exited_count} exited events"
    )
    return seconds


# ----- py-spy -------------------------------------------------------------------


def _with_py_spy(py_spy: str, threads: int, out_dir: Path, scratch: Scratch) -> int:
    raw = out_dir / "storm.pyspy.txt"
    rate = 1000
    adapter = Adapter(python=common.PYTHON)
    try:
        adapter.initialize()
        sampler = subprocess.Popen(
            [
                py_spy,
                "record",
                "--pid",
                str(adapter.proc.pid),
                "--nonblocking",
                "--idle",
                "--rate",
                str(rate),
                "--format",
                "raw",
                "--full-filenames",
                "--output",
                str(raw),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1.0)  # let py-spy start sampling
        before = cpu_ns(adapter.proc.pid)
        _storm(adapter, threads, scratch)
        cpu = cpu_ns(adapter.proc.pid) - before
        sampler.send_signal(signal.SIGINT)  # py-spy writes its file and ends
        try:
            sampler.wait(30)
        except subprocess.TimeoutExpired:
            common.stop(sampler)
    finally:
        adapter.close()
    log(f"adapter CPU during the storm: {cpu / threads / 1e3:.1f} µs per thread")
    print(summarize_raw(raw, threads, 1e6 / rate))
    log(f"wrote {raw} (collapsed stacks: feed to flamegraph.pl or speedscope)")
    return 0


def _start_py_spy(py_spy: str, pid: int, raw: Path, rate: int) -> subprocess.Popen[bytes]:
    sampler = subprocess.Popen(
        [
            py_spy,
            "record",
            "--pid",
            str(pid),
            "--nonblocking",
            "--idle",
            "--rate",
            str(rate),
            "--format",
            "raw",
            "--full-filenames",
            "--output",
            str(raw),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)  # let py-spy start sampling
    return sampler


def _stop_py_spy(sampler: subprocess.Popen[bytes]) -> None:
    sampler.send_signal(signal.SIGINT)  # py-spy writes its file and ends
    try:
        sampler.wait(30)
    except subprocess.TimeoutExpired:
        common.stop(sampler)


def _scenario_with_py_spy(py_spy: str, scenario: str, threads: int, out_dir: Path, repeats: int = 10) -> int:
    """attach: attach + threads + disconnect, `repeats` times; pause: pause/stopped + continue, `repeats` times."""
    raw = out_dir / f"{scenario}.pyspy.txt"
    rate = 1000
    spinners = common.Spinners()
    try:
        pid = spinners.get(threads)
        adapter = Adapter(python=common.PYTHON)
        try:
            adapter.initialize()
            if scenario == "pause":
                adapter.attach(pid)
            sampler = _start_py_spy(py_spy, adapter.proc.pid, raw, rate)
            start = time.monotonic()
            for _ in range(repeats):
                if scenario == "attach":
                    adapter.request("attach", {"pid": pid}, timeout=300)
                    adapter.request("configurationDone")
                    adapter.request("threads", timeout=300)
                    adapter.request("disconnect", {}, timeout=300)
                    common.wait_untraced(pid)
                    break  # stdio: the adapter serves one session; see the note printed below
                mark = adapter.mark()
                adapter.send("pause", {"threadId": pid})
                adapter.event("stopped", start=mark, timeout=600)
                adapter.request("continue", {"threadId": pid}, timeout=600)
            seconds = time.monotonic() - start
            _stop_py_spy(sampler)
        finally:
            adapter.close()
    finally:
        spinners.close()
    ops = 1 if scenario == "attach" else repeats
    log(f"{scenario} x{ops} at {threads} threads: {seconds:.2f} s")
    print(summarize_raw(raw, ops, 1e6 / rate, unit=scenario))
    return 0


def summarize_raw(raw: Path, threads: int, sample_us: float, unit: str = "created thread") -> str:
    """Own and cumulative time per function from py-spy's collapsed stacks (one sample = sample_us of wall time)."""
    own: Counter[str] = Counter()
    cum: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frames = [_short(f) for f in stack.split(";")]
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            cum[frame] += count
    if not total:
        return "py-spy recorded no samples"
    per = sample_us / threads
    idle = sum(c for f, c in own.items() if _is_idle(f))
    lines = [
        f"py-spy: {total} samples of {sample_us:.0f} µs; busy (not waiting in epoll) "
        f"{(total - idle) * per:.1f} µs per {unit} (of {threads})",
        f"  {'own µs':>10}  {'cum µs':>10}  function (top 30 by own time, idle excluded)",
    ]
    for frame, count in [(f, c) for f, c in own.most_common(40) if not _is_idle(f)][:30]:
        lines.append(f"  {count * per:10.2f}  {cum[frame] * per:10.2f}  {frame}")
    lines += ["", f"Cumulative, engine and protocol steps (µs per {unit}):"]
    for suffix, func in WATCH:
        for frame, count in cum.items():
            name, _, path = frame.partition(" (")
            if name.rsplit(".", 1)[-1] == func and path.rstrip(")").endswith(suffix):
                lines.append(f"  {count * per:8.2f} cum  {own[frame] * per:8.2f} own  {frame}")
    return "\n".join(lines)


def _is_idle(frame: str) -> bool:
    """The asyncio loop waiting in epoll: the adapter has nothing to do."""
    name = frame.partition(" (")[0]
    return name.rsplit(".", 1)[-1] in ("select", "poll")


def _short(frame: str) -> str:
    # "func (path/to/file.py:123)" -> "func (pkg/file.py)"; lines vary within a function.
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("/dap_threads/", "/site-packages/", "/lib/python3."):
        if marker in path:
            path = path.split(marker, 1)[1]
            if marker == "/lib/python3.":
                path = path.split("/", 1)[-1]
            elif marker == "/dap_threads/":
                path = "dap_threads/" + path
            break
    return f"{name} ({path})"


# ----- cProfile -------------------------------------------------------------------


def _with_cprofile(threads: int, out_dir: Path, scratch: Scratch) -> int:
    prof = out_dir / "storm.prof"
    adapter = Adapter(python=common.PYTHON, pre_args=["-m", "cProfile", "-o", str(prof)])
    try:
        adapter.initialize()
        _storm(adapter, threads, scratch)
    finally:
        adapter.close()
    stats = pstats.Stats(str(prof))
    print(summarize_pstats(stats, threads))
    log(f"wrote {prof} (open with: python -m pstats {prof})")
    return 0


def summarize_pstats(stats: pstats.Stats, threads: int) -> str:
    entries = stats.stats  # type: ignore[attr-defined]
    lines = [
        f"cProfile: own time (tottime) per created thread, top 30, of {threads} threads:",
        f"  {'calls/thread':>12}  {'own µs/thr':>10}  {'cum µs/thr':>10}  function",
    ]
    ranked = sorted(entries.items(), key=lambda kv: kv[1][2], reverse=True)
    for (file, line, name), (_cc, nc, tt, ct, _callers) in ranked[:30]:
        where = file.split("/site-packages/")[-1].split("/dap_threads/")[-1]
        lines.append(
            f"  {nc / threads:12.2f}  {tt / threads * 1e6:10.2f}  {ct / threads * 1e6:10.2f}  {where}:{line}({name})"
        )
    lines += ["", "Cumulative time of the engine's and protocol's steps, per created thread:"]
    for suffix, func in WATCH:
        for (file, _line, name), (_cc, nc, tt, ct, _callers) in entries.items():
            if name == func and file.endswith(suffix):
                lines.append(
                    f"  {nc / threads:6.2f} calls  {ct / threads * 1e6:8.2f} µs cum  "
                    f"{tt / threads * 1e6:8.2f} µs own  {suffix}:{func}"
                )
    buf = io.StringIO()
    stats.stream = buf  # type: ignore[attr-defined]
    stats.sort_stats("cumulative").print_stats(25)
    return "\n".join(lines) + "\n\nBy cumulative time:\n" + buf.getvalue().split("\n", 6)[-1]
