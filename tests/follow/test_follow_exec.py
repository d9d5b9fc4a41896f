"""exec: the session keeps the process across execve, or detaches there with followExec: false (issue 14, part 3).

execer (testdata) re-executes itself from a non-main thread (or from main):
the kernel destroys every other thread and gives the execing thread the
leader's tid; the new program prints "after exec" and exits 0.

How these fail when the promise breaks: a destroyed thread without its
`exited` event stays in the thread list; a missing `process` event leaves the
editor naming the old program; a detach at exec that resumes the thread
before it lets go, or loses the launched program's end, hangs or changes the
output.
"""

from __future__ import annotations

import pytest
from follow_support import start, stdout_lines
from reliability_support import assert_exactly_once, untraced


def console(client) -> str:
    return "".join(m["body"]["output"] for m in client.events("output") if m["body"].get("category") == "console")


@pytest.mark.parametrize("mode", ["thread", "main"])
def test_the_session_keeps_the_process_across_exec(dap, mode):
    expected = untraced("execer", mode, 3)
    pid = start(dap, "execer", [mode, 3])
    assert dap.wait_event("exited", timeout=30)["body"]["exitCode"] == 0
    dap.wait_event("terminated")
    assert [line.split(" pid=")[0].split(" tid=")[0] for line in stdout_lines(dap)] == [
        line.split(" pid=")[0].split(" tid=")[0] for line in expected.stdout.splitlines()
    ]
    processes = dap.events("process")
    assert len(processes) == 2 and all(p["body"]["systemProcessId"] == pid for p in processes)
    assert processes[1]["body"]["name"].endswith("/execer")
    assert f"process {pid} is executing new program: " in console(dap)
    history = assert_exactly_once(dap, ended=True)
    # main + 3 threads before the exec, all ended; the leader's tid lived on through the exec.
    assert len(history) == 4 and history[pid] == ["started", "exited"]


def test_follow_exec_off_detaches_at_the_exec_and_the_program_runs_on(dap):
    expected = untraced("execer", "thread", 2)
    pid = start(dap, "execer", ["thread", 2], followExec=False)
    dap.wait_for(lambda m: "followExec: false" in m.get("body", {}).get("output", ""), timeout=30, what="detach")
    # The launched program, untraced now, still ends in this session (it is the adapter's child).
    assert dap.wait_event("exited", timeout=30)["body"]["exitCode"] == 0
    dap.wait_event("terminated")
    assert len(stdout_lines(dap)) == len(expected.stdout.splitlines())
    assert stdout_lines(dap)[-1].startswith("execer: after exec")
    assert_exactly_once(dap, ended=True)
    assert pid


def test_follow_exec_off_on_an_attached_program_ends_the_session_and_leaves_it_running(dap, programs):
    proc = programs.start("execer", "main", 1, wait_line="before exec")
    dap.attach(proc.pid, followExec=False)
    dap.wait_event("terminated", timeout=30)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "after exec" in out
    assert_exactly_once(dap, ended=True)


def test_follow_exec_switches_in_the_debug_console(dap):
    start(dap, "seed", [200, -1, -1, 60000])
    assert dap.ok("evaluate", {"expression": "show follow-exec", "context": "repl"})["body"]["result"].startswith(
        "follow-exec is on"
    )
    said = dap.ok("evaluate", {"expression": "set follow-exec off", "context": "repl"})["body"]["result"]
    assert said.startswith("follow-exec is off")
