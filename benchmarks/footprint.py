"""Footprint: start-up to the `initialize` response, and memory after many thread lifetimes.

Start-up is timed from spawning ``python -m dap_threads`` (with the
`initialize` request already written to its stdin) to reading the response;
``python -c pass`` with the same interpreter is timed alternately, as the
floor that no Python adapter can beat, and lldb-dap (where installed) to its
own `initialize` response.

Both are timed twice: as the development venv runs them, and as a regular
install would. `make setup` installs dap-threads in editable mode, whose
import hook (a .pth file that imports pathlib, importlib.metadata and more)
costs every Python started in the venv ~10 ms; ``pip install .`` has none.
The "installed" runs use ``python -S`` with the venv's site-packages on
PYTHONPATH: the same code and libraries, no .pth files.

Memory: one adapter launches ``tstorm LIFETIMES 8`` and the client consumes
every event; the adapter's VmRSS is sampled as the storm goes, and VmHWM
(peak RSS) read at the end. RSS that is flat in the number of exited threads
shows the adapter forgets them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from typing import Any

from . import common
from .common import Scratch, log, program, summary
from .dap import Adapter, lldb_dap, rss_kib


def _installed() -> tuple[list[str], dict[str, str]]:
    """Interpreter options and environment of a run without the editable install's import hook."""
    site = [path for path in sys.path if path.endswith("site-packages")]
    return ["-S"], {"PYTHONPATH": os.pathsep.join([str(common.REPO), *site])}


def startup_once(argv: list[str] | None = None, *, installed: bool = False) -> float:
    start = time.monotonic_ns()
    pre, env = _installed() if installed else ([], None)
    adapter = Adapter(python=common.PYTHON, argv=argv, pre_args=pre, env=env)
    try:
        arrival, _ = adapter.request("initialize", {"adapterID": "dap-threads", "clientID": "benchmarks"})
    finally:
        adapter.close()
    return (arrival - start) / 1e6


def python_floor_once(*, installed: bool = False) -> float:
    pre, env = _installed() if installed else ([], None)
    start = time.monotonic_ns()
    subprocess.run([common.PYTHON, *pre, "-c", "pass"], check=True, env=None if env is None else {**os.environ, **env})
    return (time.monotonic_ns() - start) / 1e6


def startup(rounds: int) -> dict[str, Any]:
    lldb = lldb_dap()
    runners = {
        "adapter": startup_once,
        "python": python_floor_once,
        "adapter_installed": lambda: startup_once(installed=True),
        "python_installed": lambda: python_floor_once(installed=True),
    }
    if lldb:
        runners["lldb"] = lambda: startup_once([lldb])
    runs: dict[str, list[float]] = {key: [] for key in runners}
    for r in range(rounds):
        for which in common.rotate(list(runners), r):
            runs[which].append(runners[which]())
    median = {key: summary(values)["median"] for key, values in runs.items()}
    log(
        f"  start-up: adapter {median['adapter']:.0f} ms (as installed {median['adapter_installed']:.0f} ms), "
        f"python -c pass {median['python']:.0f} ms (as installed {median['python_installed']:.0f} ms)"
    )
    return {
        "rounds": rounds,
        "initialize_ms": summary(runs["adapter"]),
        "python_bare_ms": summary(runs["python"]),
        "installed_initialize_ms": summary(runs["adapter_installed"]),
        "installed_python_bare_ms": summary(runs["python_installed"]),
        "lldb_initialize_ms": summary(runs.get("lldb", [])),
    }


def memory(scratch: Scratch, lifetimes: int) -> dict[str, Any]:
    samples: list[tuple[int, int]] = []  # (threads exited so far, VmRSS KiB)
    with Adapter(python=common.PYTHON) as adapter:
        adapter.initialize()
        pid = adapter.proc.pid
        after_init = rss_kib(pid)["VmRSS"]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.05):
                try:
                    samples.append((adapter.exited_count, rss_kib(pid)["VmRSS"]))
                except (OSError, KeyError):
                    return

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        start = time.monotonic()
        adapter.launch(program("tstorm"), [lifetimes, 8, scratch.file("tstorm-rss")])
        adapter.event("terminated", timeout=600)
        elapsed = time.monotonic() - start
        done.set()
        sampler.join()
        final = rss_kib(pid)
        seen = len(adapter.started)
    if seen != lifetimes + 1:
        raise RuntimeError(f"memory run: {seen} started events for {lifetimes} threads + main")
    # RSS once a tenth of the lifetimes are over, against the end: growth per exited thread.
    tenth = next((rss for exited, rss in samples if exited >= lifetimes // 10), after_init)
    growth = final["VmRSS"] - tenth
    log(
        f"  memory: {lifetimes} lifetimes in {elapsed:.1f} s; RSS after init {after_init / 1024:.1f} MiB, "
        f"at 10% {tenth / 1024:.1f} MiB, end {final['VmRSS'] / 1024:.1f} MiB, peak {final['VmHWM'] / 1024:.1f} MiB"
    )
    step = max(1, len(samples) // 40)
    return {
        "lifetimes": lifetimes,
        "seconds": elapsed,
        "rss_after_initialize_kib": after_init,
        "rss_at_10pct_kib": tenth,
        "rss_end_kib": final["VmRSS"],
        "peak_rss_kib": final["VmHWM"],
        "growth_bytes_per_exited_thread": growth * 1024 / (lifetimes - lifetimes // 10),
        "samples": samples[::step],
    }
