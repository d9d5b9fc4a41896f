"""The terminal front end: `dap-threads run` and `watch` print thread events on the same engine."""

from __future__ import annotations

import json
import os
import pwd
import re
import select
import signal
import subprocess
import sys
import time

from procs import REPO, Started, program, tracer_pid


def cli(*args: str, **kwargs) -> subprocess.Popen[str]:
    return Started(
        [sys.executable, "-m", "dap_threads", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def read_until(proc: subprocess.Popen[str], pattern: re.Pattern[str], timeout: float) -> str:
    """Lines of proc's stdout up to and including the first that matches ``pattern``."""
    assert proc.stdout is not None
    seen, deadline = "", time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.1)
        if not ready:
            continue
        line = proc.stdout.readline()
        if not line:
            break
        seen += line
        if pattern.search(line):
            return seen
    raise AssertionError(f"no line matching {pattern.pattern!r} within {timeout} s; got {seen!r}")


def test_run_prints_one_line_per_thread_event_and_passes_the_exit_code():
    proc = cli("run", "--", program("seed"), "20", "5", "50", "20")
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    started = re.findall(
        r"^\[dap-threads\] \d\d:\d\d:\d\d\.\d{3} started (\d+) (\S+) \((?:created by (\d+)|main)\)$", out, re.M
    )
    exited = re.findall(r"^\[dap-threads\] \S+ exited  (\d+) ", out, re.M)
    assert len(started) == 6 and len(exited) == 6
    printed = set(re.findall(r"thread: (\d+)", out))
    assert printed == {tid for tid, _, _ in started}
    assert all(creator for _, _, creator in started[1:])
    assert "exited with status 0" in out


def test_watch_attaches_and_ctrl_c_detaches_leaving_the_program_running():
    seed = subprocess.Popen([program("seed"), "50", "-1", "0", "10"], stdout=subprocess.DEVNULL)
    try:
        proc = cli("watch", str(seed.pid))
        # Interrupt once a thread created while watching was printed (a fixed sleep is too
        # short on a loaded machine, where start-up and attach can take over a second).
        seen = read_until(proc, re.compile(r"started \d+ \S+ \(created by \d+\)"), timeout=20)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
        out = seen + out
        assert proc.returncode == 0, err
        assert re.search(rf"started {seed.pid} seed \(main\)", out)
        assert re.search(r"started \d+ worker-\d+ \(created by \d+\)|started \d+ seed \(created by", out)
        assert "detached" in out
        assert tracer_pid(seed.pid) == 0 and seed.poll() is None
    finally:
        seed.kill()
        seed.wait()


def test_ps_json_lists_traceable_processes_without_the_adapter_or_kernel_threads():
    seed = subprocess.Popen([program("seed"), "0", "0", "-1"], stdout=subprocess.DEVNULL)
    try:
        time.sleep(0.1)
        proc = cli("ps", "--json")
        out, _ = proc.communicate(timeout=20)
        rows = json.loads(out)
        pids = {row["pid"] for row in rows}
        assert seed.pid in pids and proc.pid not in pids and 2 not in pids
        row = next(r for r in rows if r["pid"] == seed.pid)
        assert row["threads"] == 1 and row["name"] == "seed" and "seed 0 0 -1" in row["command"]
        assert row["user"] == pwd.getpwuid(os.getuid()).pw_name
        assert row["traceable"] is True and row["reason"] is None
    finally:
        seed.kill()
        seed.wait()


def test_ps_shows_each_processes_cpu_use_over_a_short_sample():
    idle = subprocess.Popen([program("seed"), "0", "0", "-1"], stdout=subprocess.DEVNULL)
    busy = subprocess.Popen([program("spin"), "4", "-1"], stdout=subprocess.DEVNULL)
    try:
        time.sleep(0.3)
        rows = {row["pid"]: row for row in json.loads(cli("ps", "--json").communicate(timeout=20)[0])}
        # spin's four threads each compute a few ms, then sleep a few ms: well above 1% even on a busy machine
        assert rows[busy.pid]["cpu"] > 1.0 and rows[idle.pid]["cpu"] == 0.0, (rows[busy.pid], rows[idle.pid])
        assert rows[busy.pid]["threads"] == 5
    finally:
        for proc in (idle, busy):
            proc.kill()
            proc.wait()
