"""The terminal's side of issue 15: `run --record/--trace-json`, `watch --tree` live, and the exited lines' summaries.

The files the CLI writes are checked as part 1 checks the library's: the
trace JSON against the Trace Event format's documented fields and the rules
its viewers apply (nesting, flows bound to slices), the page in headless
Chromium (screenshots in tests/observe/artifacts/). The live tree is read
from a pseudo-terminal, as a person at a terminal would see it.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from browser import dom_after_scripts, screenshot
from observe_support import ARTIFACTS
from procs import REPO, program, tracer_pid
from test_timeline_real import body_data
from trace_event_format import check_semantics, validate


def dap_threads(*args: str) -> list[str]:
    return [sys.executable, "-m", "dap_threads", *args]


def test_run_record_and_trace_json_write_files_that_validate_and_exit_lines_say_how_threads_lived(tmp_path: Path):
    page, trace_file = tmp_path / "lineage.html", tmp_path / "lineage.trace.json"
    argv = dap_threads(
        "run", "--record", str(page), "--trace-json", str(trace_file), "--interval", "0.1", "--",
        program("lineage"), "2", "2", "600",
    )  # fmt: skip
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    record = {int(t): int(c) for t, c, _ in re.findall(r"^node (\d+) (\d+) (\S+)$", out, re.M)}
    assert len(record) == 7
    exited = re.findall(r"^\[dap-threads\] \S+ exited  (\d+) (\S+)  \((lived [\d.]+ s[^)]*)\)$", out, re.M)
    assert {int(tid) for tid, _, _ in exited} == set(record), out
    # Every thread lived its HOLD_MS (600 ms), and was sampled asleep in it.
    for tid, _name, summary in exited:
        lived = float(re.match(r"lived ([\d.]+) s", summary).group(1))
        assert lived >= 0.55, (tid, summary)
        assert re.search(r", CPU [\d.]+ s, last (S \w+|seen exiting)$", summary), (tid, summary)
    assert f"timeline (HTML) of 7 threads written to {page}" in out
    assert f"trace (Chrome Trace Event JSON) of 7 threads written to {trace_file}" in out

    trace = json.loads(trace_file.read_text())
    validate(trace)
    counts = check_semantics(trace)
    assert counts["tracks"] == 7 and counts["flows"] == 6  # every thread but main was created by one
    thread_names = {e["args"]["name"] for e in trace["traceEvents"] if e["name"] == "thread_name"}
    assert {"n", "n1", "n2", "n11", "n12", "n21", "n22"} <= {name.split()[0] for name in thread_names}

    shown = body_data(dom_after_scripts(page, size=(1200, 500), fragment="selftest"))
    assert shown["threads"] == "7"
    moved = json.loads(shown["selftest"])
    assert moved["after"] == moved["before"]  # zoom, pan and "Fit" work on the written page
    screenshot(page, ARTIFACTS / "cli-run-record.png", size=(1200, 500))


def read_pty(fd: int, seconds: float, until: re.Pattern[bytes] | None = None) -> bytes:
    out, deadline = b"", time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
            if until is not None and until.search(out):
                break
    return out


def frames_of(screen: bytes) -> list[list[str]]:
    """Each redraw of the live tree (it starts at the cursor's home), as lines without terminal codes."""
    text = screen.decode("utf-8", "replace").split("\x1b[?1049l")[0]
    return [
        [line for line in frame.replace("\x1b[K", "").replace("\x1b[J", "").replace("\r", "").split("\n") if line]
        for frame in text.split("\x1b[H")[1:]
    ]


def test_watch_tree_draws_the_tree_live_at_a_terminal_and_leaves_it_on_detach():
    # seed creates a worker every 300 ms, each living 10 s: the tree grows while we watch.
    seed = subprocess.Popen([program("seed"), "300", "-1", "0", "10000"], stdout=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        child, fd = pty.fork()
        if child == 0:  # the child: `watch --tree` with the pty as its terminal
            os.chdir(REPO)
            os.execv(sys.executable, dap_threads("watch", "--tree", str(seed.pid)))
        screen, deadline, grown = b"", time.monotonic() + 40, None
        while grown is None and time.monotonic() < deadline:
            screen += read_pty(fd, 0.5)
            frames = frames_of(screen)
            if not frames:
                continue
            at_attach = {line.split()[0] for line in frames[0][1:] if "present at attach" in line}
            # A thread born while watching, under main, with the state its sample saw.
            for line in frames[-1]:
                match = re.match(r"^[├└]─ (\d+) worker-\d+  S \d+% clock_nanosleep  \+[\d.]+ s$", line)
                if match and match.group(1) not in at_attach:
                    grown = frames[-1]
        assert screen.startswith(b"\x1b[?1049h"), screen[:200]  # the alternate screen, as top takes it
        assert grown is not None, frames_of(screen)[-1:]
        assert re.match(rf"threads of seed \({seed.pid}\): \d+ threads alive", grown[0]), grown[0]
        assert re.match(rf"{seed.pid} seed  S \d+% \w+  present at attach", grown[1]), grown[1]
        os.kill(child, signal.SIGINT)
        end = read_pty(fd, 15, re.compile(rb"keeps running"))
        _, status = os.waitpid(child, 0)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        # The screen is given back, and the final tree stays in the scrollback.
        after = (screen + end).split(b"\x1b[?1049l", 1)
        assert len(after) == 2, end[-500:]
        final = after[1].decode().replace("\r", "")
        assert final.startswith(f"threads of seed ({seed.pid}):"), final[:300]
        assert re.search(rf"^{seed.pid} seed  S \S+ \S+  present at attach", final, re.M), final[:500]
        assert "detached from" in final and tracer_pid(seed.pid) == 0 and seed.poll() is None
    finally:
        seed.kill()
        seed.wait()


def test_watch_record_and_tree_into_a_pipe_write_the_files_and_the_final_tree(tmp_path: Path):
    seed = subprocess.Popen([program("seed"), "100", "-1", "0", "350"], stdout=subprocess.DEVNULL)
    page = tmp_path / "watched.html"
    try:
        time.sleep(0.3)
        argv = dap_threads("watch", "--tree", "--record", str(page), "--interval", "0.2", str(seed.pid))
        proc = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(3)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
        # Not a terminal: event lines as usual, then the tree once, then the notes.
        assert re.search(r"^\[dap-threads\] \S+ started \d+ \S+ \(created by \d+\)$", out, re.M), out[:500]
        tree = out[out.index(f"threads of seed ({seed.pid}):") :]
        # Its state as sampled: mostly asleep, but it wakes every 100 ms to create a thread (R then).
        assert re.search(rf"^{seed.pid} seed  [SR] .*present at attach", tree, re.M), tree[:500]
        assert re.search(r"^[├└]─ \d+ (worker-\d+|seed)  ", tree, re.M), tree[:800]
        assert "\x1b[" not in out  # no terminal codes into a pipe
        assert "timeline (HTML) of" in out and page.exists()
        shown = body_data(dom_after_scripts(page, size=(1000, 400)))
        assert int(shown["threads"]) >= 10
    finally:
        seed.kill()
        seed.wait()
