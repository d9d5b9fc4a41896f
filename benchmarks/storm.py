"""Storm overhead: what tracing costs a program that creates many short threads.

Each contestant runs a storm program that times its own create/join loop, so a
tracer's start-up (gdb reading symbols, the adapter's imports) is not counted:
``tstorm TOTAL BATCH OUT`` (one creator: create BATCH threads, join them,
repeat) or ``pstorm P TOTAL BATCH OUT`` (the parallel storm: P creators at
once). In every round each contestant runs once, in a rotated order; a
contestant's added cost per thread in a round is (its time - the untraced
time of that round) / TOTAL.

The tracer's own CPU time per thread is recorded where it can be told apart
from the program's: the minimal tracer's getrusage; the adapter's /proc
schedstat from after `initialize` to `terminated`; for the CLI, gdb and
strace, their schedstat between the storm program's "ready" and "done" lines
(``--wait``), read while they still trace it. On a busy 2-core machine CPU
time is steadier than wall time.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable
from typing import Any

from . import common
from .common import Scratch, log, program, summary
from .dap import Adapter, cpu_ns, lldb_dap

#: What a runner returns: the storm's own elapsed time, and the tracer's CPU time during it (if known).
Result = tuple[int, "int | None"]


class Workload:
    """The storm program and its arguments (before OUT)."""

    def __init__(self, name: str, args: list[int]) -> None:
        self.name = name
        self.args = [str(a) for a in args]
        self.threads = args[-2]  # TOTAL comes before BATCH in both programs

    def argv(self, out: Any, *extra: str) -> list[str]:
        return [program(self.name), *self.args, str(out), *extra]

    def describe(self) -> str:
        if self.name == "pstorm":
            p, total, batch = self.args
            return f"{total} threads from {p} creators in batches of {batch}"
        total, batch = self.args
        return f"{total} threads in batches of {batch}"


def _read_elapsed(path: Any) -> int:
    elapsed, _threads = open(path).read().split()
    return int(elapsed)


def untraced(work: Workload, out: Any) -> Result:
    subprocess.run(work.argv(out), check=True, stdin=subprocess.DEVNULL)
    return _read_elapsed(out), None


def min_tracer(work: Workload, out: Any, exit_event: bool = False) -> Result:
    flags = ["--cpu", "--exit-event"] if exit_event else ["--cpu"]
    done = subprocess.run(
        [program("min_tracer"), *flags, "--", *work.argv(out)],
        check=True,
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    cpu = int(done.stderr.rsplit("cpu_ns=", 1)[1].split()[0])
    return _read_elapsed(out), cpu


def dap_launch(
    work: Workload,
    out: Any,
    baseline: str | None = None,
    env: dict[str, str] | None = None,
    **launch_args: object,
) -> Result:
    # A baseline checkout's adapter: its folder first on the path, and not this one's (-P: no cwd entry).
    extra: dict[str, Any] = {"env": {"PYTHONPATH": baseline}, "pre_args": ["-P"]} if baseline else {}
    if env:
        extra["env"] = {**extra.get("env", {}), **env}
    with Adapter(python=common.PYTHON, **extra) as adapter:
        adapter.initialize()
        before = cpu_ns(adapter.proc.pid)
        adapter.launch(work.argv(out)[0], work.argv(out)[1:], **launch_args)
        adapter.event("terminated", timeout=600)
        cpu = cpu_ns(adapter.proc.pid) - before
        _check_events(adapter, work.threads, "launch")
    return _read_elapsed(out), cpu


def dap_attach(work: Workload, out: Any) -> Result:
    storm = subprocess.Popen(
        work.argv(out, "--wait"), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    try:
        common.wait_for_line(storm, b"ready", 30)
        with Adapter(python=common.PYTHON) as adapter:
            adapter.initialize()
            adapter.attach(storm.pid)
            before = cpu_ns(adapter.proc.pid)
            storm.stdin.write(b"x")  # type: ignore[union-attr]
            storm.stdin.flush()  # type: ignore[union-attr]
            common.wait_for_line(storm, b"done", 600)
            storm.stdin.close()  # type: ignore[union-attr]
            adapter.event("terminated", timeout=600)
            cpu = cpu_ns(adapter.proc.pid) - before
            _check_events(adapter, work.threads, "attach")
        if storm.wait(60) != 0:
            raise RuntimeError(f"{work.name} failed under dap-threads attach: status {storm.returncode}")
    finally:
        common.stop(storm)
    return _read_elapsed(out), cpu


def _check_events(adapter: Adapter, total: int, how: str) -> None:
    # One started and one exited event per storm thread, plus the main thread's
    # (and the creators' in the parallel storm, which the count allows for).
    started = len(adapter.started)
    if not total + 1 <= started <= total + 1 + 64 or adapter.exited_count != started:
        raise RuntimeError(
            f"dap-threads {how}: {started} started / {adapter.exited_count} exited events for {total} threads + main"
        )


def _traced_through_pipe(tracer_argv: list[str], work: Workload, out: Any) -> Result:
    """A tracer that runs the storm program with our pipe as its stdout (the CLI, gdb, strace).

    The program is started with ``--wait=FIFO`` (a tracer may give it
    /dev/null as stdin); the tracer's CPU is read at its "ready" and "done"
    lines. Everything on the pipe is read and dropped by a thread, as a
    terminal would take it.
    """
    fifo = f"{out}.go"
    os.mkfifo(fifo)
    proc = subprocess.Popen(
        [*tracer_argv, *work.argv(out, f"--wait={fifo}")],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    lines = _Markers(proc)
    try:
        lines.wait(b"ready\n", 120)
        with open(fifo, "wb", buffering=0) as go:
            before = cpu_ns(proc.pid)
            go.write(b"x")
            lines.wait(b"done\n", 600)
            cpu = cpu_ns(proc.pid) - before
        if proc.wait(60) != 0:
            raise RuntimeError(f"{tracer_argv[0]} running {work.name}: status {proc.returncode}")
    finally:
        common.stop(proc)
        os.unlink(fifo)
    return _read_elapsed(out), cpu


class _Markers:
    """Reads a process's stdout in large chunks, remembering only whether each marker line was seen."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self._out = proc.stdout
        self._seen: set[bytes] = set()
        self._tail = b""
        self._cond = threading.Condition()
        self._eof = False
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        fd = self._out.fileno()  # type: ignore[union-attr]
        while True:
            chunk = os.read(fd, 1 << 16)
            with self._cond:
                if not chunk:
                    self._eof = True
                    self._cond.notify_all()
                    return
                text = self._tail + chunk
                for marker in (b"ready\n", b"done\n"):
                    if (b"\n" + marker) in text or text.startswith(marker):
                        self._seen.add(marker)
                self._tail = text[-8:]
                self._cond.notify_all()

    def wait(self, marker: bytes, timeout: float) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: marker in self._seen or self._eof, timeout):
                raise TimeoutError(f"no {marker!r} within {timeout} s")
            if marker not in self._seen:
                raise RuntimeError(f"the tracer's output ended before {marker!r}")


def dap_run(work: Workload, out: Any) -> Result:
    return _traced_through_pipe([common.PYTHON, "-m", "dap_threads", "run", "--"], work, out)


def gdb_batch(work: Workload, out: Any) -> Result:
    return _traced_through_pipe(
        ["gdb", "-nx", "-batch", "-ex", "set startup-with-shell off", "-ex", "run", "--args"], work, out
    )


def strace_f(work: Workload, out: Any) -> Result:
    return _traced_through_pipe(["strace", "-f", "-o", "/dev/null"], work, out)


def lldb_launch(work: Workload, out: Any) -> Result:
    """lldb-dap launching the storm (it sends no `thread` events while the program runs; its CPU is not read)."""
    argv = work.argv(out)
    with Adapter(argv=[lldb_dap() or "lldb-dap"]) as adapter:
        adapter.request("initialize", {"adapterID": "lldb-dap", "clientID": "benchmarks"})
        adapter.start_deferred("launch", {"program": argv[0], "args": argv[1:]})
        adapter.event("terminated", timeout=600)
    return _read_elapsed(out), None


Runner = Callable[[Workload, Any], Result]

#: key -> (label, runner, the tool it needs: a command on PATH, "lldb-dap", or None)
CONTESTANTS: dict[str, tuple[str, Runner, str | None]] = {
    "untraced": ("untraced", untraced, None),
    "min_c": ("min C tracer (TRACECLONE)", min_tracer, None),
    "min_c_exit": ("min C tracer (+TRACEEXIT)", lambda w, o: min_tracer(w, o, exit_event=True), None),
    "dap_launch": ("dap-threads launch (DAP)", dap_launch, None),
    "dap_launch_pure": (
        "dap-threads launch, pure Python",
        lambda w, o: dap_launch(w, o, env={"DAP_THREADS_PURE_PYTHON": "1"}),
        None,
    ),
    "dap_attach": ("dap-threads attach (DAP)", dap_attach, None),
    # The thread pane off: no /proc sampling, no creation stacks (issue 15; the pane suite has a longer storm).
    "dap_launch_unobserved": (
        "dap-threads launch, sampling off",
        lambda w, o: dap_launch(w, o, sampleThreads=False, creationStacks=False),
        None,
    ),
    "dap_run": ("dap-threads run (CLI)", dap_run, None),
    "gdb": ("gdb -batch (run)", gdb_batch, "gdb"),
    "lldb_dap": ("lldb-dap launch (DAP)", lldb_launch, "lldb-dap"),
    "strace": ("strace -f", strace_f, "strace"),
}

#: BENCH_BASELINE=/path/to/another/checkout adds its adapter, launched the same way, to compare two versions
#: of dap-threads in one run (e.g. a branch against main: the storm with every follow mode off).
BASELINE = os.environ.get("BENCH_BASELINE")
if BASELINE:
    _baseline = BASELINE
    CONTESTANTS["dap_launch_baseline"] = (
        f"dap-threads launch ({os.path.basename(_baseline.rstrip('/'))})",
        lambda w, o: dap_launch(w, o, baseline=_baseline),
        None,
    )


def available(key: str) -> bool:
    need = CONTESTANTS[key][2]
    if need is None:
        return True
    if need == "lldb-dap":
        return lldb_dap() is not None
    return common.tool(need) is not None


def run(
    scratch: Scratch,
    *,
    total: int,
    batch: int,
    rounds: int,
    creators: int = 0,
    contestants: list[str] | None = None,
) -> dict[str, Any]:
    """``creators``: 0 for tstorm (one creator), else pstorm with that many creators."""
    work = Workload("pstorm", [creators, total, batch]) if creators else Workload("tstorm", [total, batch])
    wanted = contestants or list(CONTESTANTS)
    if "untraced" not in wanted:
        wanted = ["untraced", *wanted]
    keys = [k for k in wanted if available(k)]
    skipped = [k for k in wanted if k not in keys]
    elapsed: dict[str, list[float]] = {k: [] for k in keys}
    added: dict[str, list[float]] = {k: [] for k in keys}
    ratio: dict[str, list[float]] = {k: [] for k in keys}
    cpu: dict[str, list[float]] = {k: [] for k in keys}
    for r in range(rounds):
        this_round: dict[str, int] = {}
        for key in common.rotate(keys, r):
            try:
                this_round[key], tracer_cpu = CONTESTANTS[key][1](work, scratch.file(key))
            except Exception as exc:  # say which contestant failed (a hang shows only as a timeout)
                raise RuntimeError(f"{key}, round {r + 1}: {exc!r}") from exc
            if tracer_cpu is not None:
                cpu[key].append(tracer_cpu / total / 1e3)  # µs per thread
        base = this_round["untraced"]
        for key, ns in this_round.items():
            elapsed[key].append(ns / 1e6)
            added[key].append((ns - base) / total / 1e3)  # µs per thread
            ratio[key].append(ns / base)
        log(
            f"  storm {work.describe()} round {r + 1}/{rounds}: "
            + ", ".join(f"{k} {v / 1e6:.0f} ms" for k, v in this_round.items())
        )
    rows = {}
    best_base = min(elapsed["untraced"])
    for key in keys:
        rows[key] = {
            "label": CONTESTANTS[key][0],
            "elapsed_ms": summary(elapsed[key]),
            # Best round against best round: what a quiet machine would show.
            "best_added_us_per_thread": (min(elapsed[key]) - best_base) * 1e3 / total,
            "added_us_per_thread": summary(added[key]),
            "ratio": summary(ratio[key]),
            "tracer_cpu_us_per_thread": summary(cpu[key]),
        }
    return {
        "total": total,
        "batch": batch,
        "creators": creators,
        "workload": work.describe(),
        "rounds": rounds,
        "skipped": skipped,
        "rows": rows,
    }
