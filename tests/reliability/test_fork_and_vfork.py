"""Promise 6 — fork and vfork: the traced program keeps working; its children run untraced, never stopped.

With PTRACE_O_TRACEFORK/VFORK the kernel auto-attaches every child and starts
it in a stop; the adapter must let it go at once. forker (testdata) forks,
posix_spawns and vforks from a multi-threaded process, from the main thread
and from another thread, and checks every child's exit status. spawner.py
(a Python program beside these tests) also keeps two children alive, so
their TracerPid and state can be read.

How these fail when the promise breaks:
- a child never detached: it sits in its first stop, the parent's waitpid
  never returns (forker stalls) and the child shows state "t" / a TracerPid;
- a vfork child held: the parent (suspended until the child execs) hangs too;
- the child's first stop taken for a thread of the program: a `started`
  event for the child's pid, or a thread the `threads` list never loses;
- a fork event lost during a pause: the child stays stopped.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from procs import REPO, program, tracer_pid
from reliability_support import HELD, assert_exactly_once, finish, launch_to_end, states_now, stdout_of, untraced

SPAWNER = Path(__file__).resolve().parent / "spawner.py"


@pytest.mark.parametrize("where", ["main", "thread"])
def test_fork_posix_spawn_and_vfork_from_a_threaded_program_work_under_trace(dap, where):
    expected = untraced("forker", 60, where)
    assert expected.returncode == 0
    out, code = launch_to_end(dap, "forker", 60, where)
    assert (out, code) == (expected.stdout, 0)
    history = assert_exactly_once(dap, ended=True)
    assert len(history) == (3 if where == "main" else 4), "a child was announced as a thread"


def test_forks_during_pauses_leave_no_child_stopped(dap):
    """Pauses land while forks and vforks are in flight; every child must still run free."""
    expected = untraced("forker", 240, "thread")
    dap.launch(program("forker"), ["240", "thread"])
    pid = dap.events("process")[0]["body"]["systemProcessId"]
    pauses = 0
    for n in range(20):
        if dap.events("exited"):
            break
        response = dap.request("pause", {"threadId": pid}, timeout=10)
        if not response["success"]:
            break
        dap.wait_for(
            lambda m: m.get("event") in ("stopped", "exited"),
            start=dap.received.index(response),
            timeout=10,
            what="stopped after pause",
        )
        if not dap.events("exited"):
            pauses += 1
            dap.ok("continue", {"threadId": pid})
        time.sleep(0.002 * (n % 5))
    assert pauses >= 5, f"only {pauses} pauses landed before forker ended; the test proves little"
    assert dap.wait_event("exited", timeout=60)["body"]["exitCode"] == 0
    dap.wait_event("terminated")
    assert stdout_of(dap) == expected.stdout


def test_children_of_an_attached_program_run_untraced_and_are_not_left_stopped(dap, programs):
    proc = subprocess.Popen(
        [sys.executable, str(SPAWNER), "25"],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    programs.started.append(proc)
    assert proc.stdout.readline().startswith("spawner: ready")
    dap.attach(proc.pid)
    proc.stdin.write("go\n")
    proc.stdin.flush()
    line = proc.stdout.readline()
    assert line.startswith("spawner: children"), line
    children = [int(x) for x in line.split()[2:]]
    time.sleep(0.2)
    for child in children:
        assert tracer_pid(child) == 0, f"child {child} is still traced"
        assert states_now(child)[child] == "S", f"child {child} is in state {states_now(child)}"
    listed = {t["id"] for t in dap.ok("threads")["body"]["threads"]}
    assert not listed & set(children), "a child process is listed as a thread of the program"
    assert HELD not in states_now(proc.pid).values()
    proc.stdin.write("go\n")
    proc.stdin.flush()
    out, err = finish(proc, timeout=60)
    assert proc.returncode == 0, err
    assert out == f"spawner: done 25 {sum(n % 50 for n in range(25))}\n"
    dap.wait_event("terminated", timeout=10)
    history = assert_exactly_once(dap, ended=True)
    assert not set(history) & set(children)
