"""followFork: parent (default), child, both (child sessions through startDebugging) and ask (issue 14, part 2).

forker (testdata) forks NCHILDREN children that each print "child N" and exit
N+10, then runs posix_spawn (a vfork that execs /bin/echo) and a vfork that
execs /bin/true; the parent checks each exit status and prints what it saw,
so any child left stopped stalls it and any changed status shows in its output.

How these fail when the promise breaks: a child held and never released stalls
forker (and its vfork parent thread, asleep until the child execs); a child
session that cannot take the child gets an attach error; a thread event missing
or doubled fails the exactly-once accounting of each session; a mode switch
that is ignored shows in what the next fork does.
"""

from __future__ import annotations

import os
import subprocess
import threading

import pytest
from dap_client import AdapterProcess
from follow_support import ChildSessions, continue_, initialize, next_stop, start, stdout_lines
from procs import tracer_pid, wait_until
from reliability_support import assert_exactly_once, finish, untraced


def console(client) -> str:
    return "".join(m["body"]["output"] for m in client.events("output") if m["body"].get("category") == "console")


def test_parent_mode_says_each_child_is_detached_as_gdb_does(dap):
    expected = untraced("forker", 2)
    start(dap, "forker", [2])
    assert dap.wait_event("exited", timeout=60)["body"]["exitCode"] == 0
    dap.wait_event("terminated")
    assert stdout_lines(dap) == expected.stdout.splitlines()
    assert console(dap).count("[Detaching after fork from child process") == 2
    assert console(dap).count("[Detaching after vfork from child process") == 2  # posix_spawn and vfork
    assert_exactly_once(dap, ended=True)


def _forker_waiting(programs, *args):
    proc = programs.start("forker", *args, stdin=subprocess.PIPE, env={**os.environ, "FORKER_WAIT": "1"})
    assert proc.stdout.readline().startswith("forker: ready")
    return proc


@pytest.mark.parametrize("where", ["main", "thread"])
def test_child_mode_follows_the_first_child_and_the_parent_runs_on_untraced(dap, programs, where):
    expected = untraced("forker", 2, where, 300, 2)
    proc = _forker_waiting(programs, 2, where, 300, 2)
    dap.attach(proc.pid, followFork="child")
    parent_threads = set(dap.thread_events("started"))
    proc.stdin.write("go\n")
    proc.stdin.flush()
    process = dap.wait_for(
        lambda m: m.get("event") == "process" and m["body"]["systemProcessId"] != proc.pid, timeout=20, what="child"
    )
    child = process["body"]["systemProcessId"]
    # The parent's threads left this session; the child's one thread came.
    wait_until(lambda: parent_threads <= set(dap.thread_events("exited")), what="parent threads exited")
    assert child in dap.thread_events("started")
    assert [t["id"] for t in dap.ok("threads")["body"]["threads"]] == [child]
    assert tracer_pid(proc.pid) == 0
    assert "[Detaching after fork from parent process" in console(dap)
    # The child runs to its end in this session; the parent, untraced, sees its status as untraced.
    assert dap.wait_event("exited", timeout=20)["body"]["exitCode"] == 11
    dap.wait_event("terminated")
    out, _err = finish(proc, timeout=60)
    assert (out, proc.returncode) == (expected.stdout, 0)
    assert_exactly_once(dap, ended=True)


def test_both_mode_opens_a_session_per_child_each_held_until_its_session_attaches(adapter):
    # Forks from a non-main thread while two other threads keep creating threads.
    expected = untraced("forker", 2, "thread", 200, 2)
    parent = adapter.client
    initialize(parent)
    sessions = ChildSessions(parent)
    pid = start(parent, "forker", [2, "thread", 200, 2], followFork="both")
    children = sessions.wait_for(4)  # two forks, posix_spawn's vfork child, the vfork child
    assert len(children) == 4, sessions.requests
    assert parent.wait_event("exited", timeout=60)["body"]["exitCode"] == 0
    parent.wait_event("terminated")
    assert stdout_lines(parent) == expected.stdout.splitlines()
    codes = []
    for child in children:
        process = child.events("process")[0]["body"]
        assert process["systemProcessId"] != pid
        codes.append(child.wait_event("exited", timeout=30)["body"]["exitCode"])
        child.wait_event("terminated")
        assert_exactly_once(child, ended=True)
        child.close()
    assert sorted(codes) == [0, 0, 11, 12]
    # The spawned children exec'd: their sessions kept them and named the new program.
    names = [c.events("process")[-1]["body"]["name"] for c in children]
    assert any(name.endswith("/echo") for name in names) and any(name.endswith("/true") for name in names), names
    assert_exactly_once(parent, ended=True)


def test_both_mode_without_start_debugging_falls_back_to_parent_and_says_why(dap):
    expected = untraced("forker", 1)
    start(dap, "forker", [1], followFork="both")
    assert dap.wait_event("exited", timeout=60)["body"]["exitCode"] == 0
    assert stdout_lines(dap) == expected.stdout.splitlines()
    assert "supportsStartDebuggingRequest" in console(dap)
    assert dap.reverse_requests() == []


def test_a_child_whose_session_is_refused_is_let_go(adapter):
    expected = untraced("forker", 1)
    parent = adapter.client
    initialize(parent)
    sessions = ChildSessions(parent, serve=0, refusal="no thanks")
    start(parent, "forker", [1], followFork="both")
    assert parent.wait_event("exited", timeout=60)["body"]["exitCode"] == 0
    assert stdout_lines(parent) == expected.stdout.splitlines()
    assert len(sessions.requests) == 3
    assert console(parent).count("runs untraced: the client refused the 'startDebugging' request: no thanks") == 3


def test_ask_mode_stops_at_each_fork_and_continue_follows_the_parent(dap):
    expected = untraced("forker", 1)
    pid = start(dap, "forker", [1], followFork="ask")
    mark = 0
    described = []
    for _ in range(3):  # the fork, posix_spawn's vfork, the vfork
        stop = next_stop(dap, mark)
        body = stop["body"]
        assert body["reason"] == "exception" and body["allThreadsStopped"] is True
        assert "created process" in body["description"] and "follow child" in body["description"]
        info = dap.ok("exceptionInfo", {"threadId": body["threadId"]})["body"]
        assert info["exceptionId"] == "fork"
        described.append(body["text"])
        mark = continue_(dap, body["threadId"])
    assert dap.wait_event("exited", timeout=60)["body"]["exitCode"] == 0
    assert stdout_lines(dap) == expected.stdout.splitlines()
    assert [text.split(":")[0] for text in described] == ["fork", "vfork", "vfork"]
    assert pid


def test_ask_then_follow_child_switches_the_session_to_the_stopped_child(dap):
    pid = start(dap, "forker", [1, "main", 100], followFork="ask")
    stop = next_stop(dap, 0)
    mark = len(dap.received)
    answer = dap.ok("evaluate", {"expression": "follow child", "context": "repl"})["body"]["result"]
    assert "following process" in answer
    entry = next_stop(dap, mark)
    child = entry["body"]["threadId"]
    assert child != pid and entry["body"]["reason"] == "entry"
    assert [t["id"] for t in dap.ok("threads")["body"]["threads"]] == [child]
    continue_(dap, child)
    assert dap.wait_event("exited", timeout=20)["body"]["exitCode"] == 11
    assert stop


def test_the_mode_switches_at_any_time_in_gdbs_words(dap):
    pid = start(dap, "seed", [200, -1, -1, 60000])
    show = dap.ok("evaluate", {"expression": "show follow-fork-mode", "context": "repl"})["body"]["result"]
    assert show == 'Debugger response to a program call of fork or vfork is "parent".'
    said = dap.ok("evaluate", {"expression": "set follow-fork-mode ask", "context": "repl"})["body"]["result"]
    assert said.endswith('is "ask".')
    bad = dap.request("evaluate", {"expression": "set follow-fork-mode sideways", "context": "repl"})
    assert not bad["success"] and "parent, child, both, ask" in bad["message"]
    nothing = dap.request("evaluate", {"expression": "follow child", "context": "repl"})
    assert not nothing["success"] and "not stopped at a fork" in nothing["message"]
    assert pid


def test_a_child_session_that_reaches_another_adapter_is_told_where_its_child_is(adapter, tmp_path):
    parent = adapter.client
    initialize(parent)
    go = threading.Event()
    sessions = ChildSessions(parent, serve=1, refusal="not this one", go=go)  # the spawned children: no session
    start(parent, "forker", [1, "main", 100], followFork="both")
    request = parent.wait_for(lambda m: m.get("command") == "startDebugging", timeout=20, what="startDebugging")
    configuration = request["arguments"]["configuration"]
    other = AdapterProcess(tmp_path)  # a fresh adapter process, as a client that ignores debugServer would start
    try:
        initialize(other.client)
        refused = other.client.request("attach", configuration)
        assert not refused["success"]
        assert "already traced" in refused["message"]
        assert f"127.0.0.1:{configuration['debugServer']}" in refused["message"]
    finally:
        other.stop()
    go.set()  # the right adapter takes it
    (child,) = sessions.wait_for(1)
    assert child.wait_event("exited", timeout=30)["body"]["exitCode"] == 11
    assert parent.wait_event("exited", timeout=60)["body"]["exitCode"] == 0
    assert len(sessions.requests) == 3
