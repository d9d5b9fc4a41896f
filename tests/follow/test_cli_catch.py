"""The terminal side of issue 14: `run --syscalls` (strace style) and `--stop-on-new-thread` with its prompt.

How these fail when the promise breaks: a call without its decoded arguments
or errno name fails the line checks; a forked child under the --syscalls
filter that is not followed gets ENOSYS for its traced calls (forker's
children would fail); a prompt that is not answered, or a detach that leaves
threads held, stalls the program.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from procs import REPO, program, tracer_pid, wait_until
from reliability_support import untraced

MARKED = r"^\[dap-threads\] "
LINE = MARKED + r"\d\d:\d\d:\d\d\.\d{3} \[(\d+) ([^\]]+)\] "


def cli(*args: str, stdin: str = "", timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dap_threads", *args],
        cwd=REPO,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_run_syscalls_prints_each_call_with_thread_arguments_and_result():
    done = cli("run", "--syscalls", "openat,connect", "--", program("netfiles"), "2", "2")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "netfiles: opened 4, missing 4, connected 8" in lines
    calls = [line for line in lines if re.match(LINE, line)]
    hostname = [c for c in calls if '"/etc/hostname"' in c]
    assert len(hostname) == 4 and all(
        re.search(r"\] openat\(AT_FDCWD, \"/etc/hostname\", O_RDONLY\|O_CLOEXEC\) = \d+$", c) for c in hostname
    )
    assert all(re.match(LINE, c).group(2).startswith("files-") for c in hostname)  # type: ignore[union-attr]
    missing = [c for c in calls if "/nonexistent/netfiles" in c]
    assert len(missing) == 4 and all(c.endswith("= -1 ENOENT (No such file or directory)") for c in missing)
    connects = [c for c in calls if "] connect(" in c]
    assert len(connects) == 8
    assert sum("{AF_INET, 127.0.0.1:" in c for c in connects) == 4
    assert sum('{AF_UNIX, @"netfiles-' in c for c in connects) == 4
    # Nothing else is printed as a call: the filter hands over only these.
    assert {re.search(r"\] (\w+)\(", c).group(1) for c in calls} == {"openat", "connect"}  # type: ignore[union-attr]


def test_run_syscalls_follows_forked_children_which_inherit_the_filter():
    expected = untraced("forker", 2, "thread")
    done = cli("run", "--syscalls", "execve,exit_group", "--", program("forker"), "2", "thread")
    assert done.returncode == 0, done.stderr
    program_lines = [line for line in done.stdout.splitlines() if not re.match(MARKED, line)]
    assert program_lines == expected.stdout.splitlines()
    calls = [line for line in done.stdout.splitlines() if re.match(LINE, line)]
    assert sum(c.endswith("exit_group(11) = ?") for c in calls) == 1
    assert sum(c.endswith("exit_group(12) = ?") for c in calls) == 1
    assert sum('execve("/bin/echo") = 0' in c for c in calls) == 1
    assert sum('execve("/bin/true") = 0' in c for c in calls) == 1


def test_run_syscalls_refuses_a_name_that_is_not_a_syscall():
    done = cli("run", "--syscalls", "opneat", "--", program("netfiles"))
    assert done.returncode == 2
    assert "'opneat' is not a syscall" in done.stderr and "did you mean openat" in done.stderr


def test_stop_on_new_thread_asks_shows_the_stacks_and_continues():
    done = cli("run", "--stop-on-new-thread", "--", program("seed"), "30", "2", "50", "20", stdin="s\nc\nx\nc\n")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    stops = re.findall(r"stopped thread (\d+) created by seed \((\d+)\); every thread is held", out)
    assert len(stops) == 2
    new, creator = stops[0]
    assert f"new thread {new} (seed):" in out and f"its creator {creator} (seed):" in out
    assert re.search(MARKED + r"  #0 ", out, re.M)
    assert "answer c (continue), s (show the stacks) or d (detach)" in out
    assert out.count("[dap-threads] [c]ontinue, [s]tack, [d]etach? ") == 4
    assert out.count("process: ") == 3  # main and the two workers printed: nothing was lost


def test_stop_on_new_thread_with_a_glob_that_matches_nothing_never_stops():
    done = cli("run", "--stop-on-new-thread=nobody-*", "--", program("seed"), "20", "3", "50", "20")
    assert done.returncode == 0 and "stopped thread" not in done.stdout


def test_watch_detaches_at_the_prompt_and_the_program_runs_on(programs):
    seed = programs.start("seed", 100, -1, -1, 200, wait_line="process:")
    proc = subprocess.Popen(
        [sys.executable, "-m", "dap_threads", "watch", str(seed.pid), "--stop-on-new-thread"],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = proc.communicate("d\n", timeout=30)
    assert proc.returncode == 0, err
    assert "stopped thread" in out and f"detached from {seed.pid}; it keeps running" in out
    wait_until(lambda: tracer_pid(seed.pid) == 0, what="untraced")
    before = len(os.listdir(f"/proc/{seed.pid}/task"))
    wait_until(lambda: seed.stdout.readline().startswith("process:"), what="a new worker after the detach")
    assert before >= 1


def test_run_detached_at_the_prompt_still_ends_with_the_programs_status():
    done = cli("run", "--stop-on-new-thread", "--", program("seed"), "30", "3", "50", "20", stdin="d\n")
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert "detached from" in done.stdout and "exited with status 0 (untraced)" in done.stdout
    assert done.stdout.count("process: ") == 4 and "done" in done.stdout.splitlines()


def test_under_the_syscalls_filter_the_prompt_refuses_to_detach():
    done = cli(
        "run",
        "--syscalls",
        "connect",
        "--stop-on-new-thread",
        "--",
        program("netfiles"),
        "1",
        "1",
        stdin="d\nc\nc\nc\nc\n",
    )
    assert done.returncode == 0, done.stderr
    assert "cannot detach: the program runs under the --syscalls filter" in done.stdout
    assert "netfiles: opened 1, missing 1, connected 2" in done.stdout


def test_run_json_gives_each_call_as_a_syscall_record():
    done = cli("run", "--json", "--syscalls", "openat", "--", program("netfiles"), "1", "1")
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]  # every line is JSON, the program's output too
    calls = [r for r in records if r["event"] == "syscall"]
    hostname = [c for c in calls if '"/etc/hostname"' in c["call"]]
    assert len(hostname) == 1 and hostname[0]["name"] == "openat" and hostname[0]["thread"].startswith("files-")
    assert hostname[0]["result"] >= 0 and hostname[0]["resultText"] == str(hostname[0]["result"])
    missing = [c for c in calls if "/nonexistent/netfiles" in c["call"]]
    assert len(missing) == 1 and missing[0]["resultText"] == "-1 ENOENT (No such file or directory)"
    assert any(r["event"] == "output" and "netfiles: opened 1" in r["text"] for r in records)


def test_the_prompt_reads_only_its_answer_and_the_program_gets_the_rest_of_stdin():
    # echo_stdin's reader thread is the new thread: held before it reads, it then copies what is left of stdin.
    done = cli("run", "--stop-on-new-thread", "--", program("echo_stdin"), stdin="c\nhello\nworld\n")
    assert "stopped thread" in done.stdout, done.stdout
    assert "hello\nworld\n" in done.stdout and "echo_stdin: 12 bytes, 2 lines" in done.stderr, (
        done.stdout,
        done.stderr,
    )
    assert done.returncode == 2
