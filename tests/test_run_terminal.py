"""`dap-threads run` at a terminal: the program keeps it, Ctrl-C reaches it as without us, and run
reports how it ended and ends the same way; a second Ctrl-C, or a program that ignores the first,
ends in SIGKILL, said so. Each terminal test runs in a pty (pexpect), where Ctrl-C is the real
terminal signal to the foreground process group.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import time

import pexpect
from procs import REPO, Started, program

RUN = [sys.executable, "-m", "dap_threads", "run"]


def at_terminal(*args: str, **env: str) -> pexpect.spawn:
    child = pexpect.spawn(RUN[0], [*RUN[1:], *args], cwd=str(REPO), timeout=20, env={**os.environ, **env})
    child.logfile_read = io.BytesIO()  # everything the terminal showed
    return child


def finish(child: pexpect.spawn) -> str:
    """Everything the terminal showed, once run has ended."""
    child.expect(pexpect.EOF)
    child.close()
    return child.logfile_read.getvalue().decode(errors="replace")


def test_ctrl_c_reaches_the_program_once_it_cleans_up_and_run_exits_with_its_status():
    child = at_terminal("--", program("interrupted"), "trap", "300")
    child.expect("ready")
    child.sendintr()
    child.expect("cleaning up")
    shown = finish(child)
    assert "cleaned up after 1 SIGINT" in shown  # it got SIGINT exactly once: the terminal's
    assert re.search(r"\[dap-threads\] \S+ Ctrl-C: SIGINT went to \d+ too; waiting for it to end", shown)
    assert re.search(r"\[dap-threads\] \S+ process \d+ exited with status 3", shown)
    assert child.exitstatus == 3


def test_a_second_ctrl_c_kills_the_program_and_says_so():
    child = at_terminal("--", program("interrupted"), "stay")
    child.expect("ready")
    child.sendintr()
    child.expect("SIGINT 1: carrying on")
    child.sendintr()
    child.expect(r"\[dap-threads\] \S+ Ctrl-C again: killing \d+ \(SIGKILL\)")
    shown = finish(child)
    assert re.search(r"process \d+ killed by SIGKILL", shown)
    assert child.exitstatus == 128 + signal.SIGKILL


def test_a_program_that_ignores_ctrl_c_is_killed_after_kill_after_seconds_and_run_says_so():
    child = at_terminal("--kill-after", "1", "--", program("interrupted"), "ignore")
    child.expect("ready")
    started = time.monotonic()
    child.sendintr()
    child.expect(r"\d+ ignores SIGINT and was still running 1 s after it: killing it \(SIGKILL\)")
    assert time.monotonic() - started < 10
    shown = finish(child)
    assert re.search(r"process \d+ killed by SIGKILL", shown)
    assert child.exitstatus == 128 + signal.SIGKILL


def test_a_program_that_dies_of_ctrl_c_ends_run_by_the_same_signal():
    # A shell stops a script when a command dies of SIGINT (not when it exits 130): run must too.
    child = at_terminal("--", program("seed"), "100", "-1", "0", "50")
    child.expect(r"started \d+ worker-1|started \d+ seed \(created by")
    child.sendintr()
    shown = finish(child)
    assert re.search(r"process \d+ killed by SIGINT", shown)
    assert child.exitstatus is None and child.signalstatus == signal.SIGINT


def test_the_program_keeps_the_terminal_as_stdin():
    child = at_terminal("--", "sh", "-c", "test -t 0 && echo stdin-is-the-terminal || echo stdin-is-not")
    out = finish(child)
    assert "stdin-is-the-terminal" in out
    assert child.exitstatus == 0


def test_at_a_colour_terminal_our_lines_are_coloured_unless_no_color():
    out = finish(at_terminal("--", program("exitcode"), "0", "0"))
    assert re.search(r"\x1b\[36m\[dap-threads\] \S+ process \d+ exited with status 0\x1b\[0m", out), out
    plain = finish(at_terminal("--", program("exitcode"), "0", "0", NO_COLOR="1"))
    assert "\x1b[" not in plain and "[dap-threads]" in plain


def test_a_signal_sent_to_run_alone_is_passed_on_to_the_program():
    # No terminal here: `kill -INT <run's pid>` reaches only run, which must pass it on (once).
    for sig, expected in ((signal.SIGINT, 3), (signal.SIGTERM, -signal.SIGTERM)):
        proc = Started(
            [*RUN, "--", program("interrupted"), "trap", "100"],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        assert proc.stdout is not None
        assert "ready" in wait_line(proc, "ready")
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == expected, (sig, out, err)
        assert f"{sig.name}: passed on to" in out
        if sig == signal.SIGINT:
            assert "cleaned up after 1 SIGINT" in out
        else:
            assert "killed by SIGTERM" in out


def wait_line(proc: subprocess.Popen[str], text: str) -> str:
    assert proc.stdout is not None
    seen = ""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        seen += line
        if text in line or not line:
            break
    return seen


def test_run_json_is_one_event_per_line_with_the_programs_output_inside():
    done = subprocess.run(
        [*RUN, "--json", "--", program("seed"), "20", "3", "50", "20"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]  # every line is JSON
    kinds = [r["event"] for r in records]
    assert kinds.count("thread-started") == 4 and kinds.count("thread-exited") == 4
    assert records[-1]["event"] == "process-exited" and records[-1]["exitCode"] == 0
    printed = "".join(r["text"] for r in records if r["event"] == "output" and r["stream"] == "stdout")
    tids = {r["tid"] for r in records if r["event"] == "thread-started"}
    assert {int(t) for t in re.findall(r"thread: (\d+)", printed)} == tids
    assert all(isinstance(r["time"], float) and r["pid"] == records[0]["pid"] for r in records)


def test_without_a_terminal_our_lines_are_marked_and_the_programs_are_not():
    done = subprocess.run(
        [*RUN, "--", program("seed"), "20", "2", "50", "20"], cwd=REPO, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0
    ours = [line for line in done.stdout.splitlines() if line.startswith("[dap-threads] ")]
    theirs = [line for line in done.stdout.splitlines() if not line.startswith("[dap-threads] ")]
    assert len(ours) == 3 + 3 + 1  # started and exited for 3 threads, and the process's end
    assert theirs and all(line.startswith("process: ") or line == "done" for line in theirs), theirs
    assert "\x1b[" not in done.stdout
