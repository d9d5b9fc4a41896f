"""Syscall catchpoints: the "Syscall" exception filter (issue 14, part 4).

netfiles (testdata) opens a file, fails to open a missing one, and connects to
a TCP and a Unix socket of its own, from worker threads; it counts what it saw
and prints the counts, so a call that is lost, doubled or changed by the
catchpoint shows in its output.

How these fail when the promise breaks: a stop without the decoded call or the
errno name fails the text checks; a caught call whose exit is not reported
breaks the entry/exit alternation; a stop lost while another was shown makes
the count short; threads resumed with PTRACE_CONT after the filter is set
never stop.
"""

from __future__ import annotations

import re

from follow_support import all_held, continue_, next_stop, set_filters, start, stdout_lines
from reliability_support import assert_exactly_once, untraced


def run_catching(dap, args, condition):
    """Launch netfiles with a syscall catchpoint; continue from every stop; the stops' bodies."""
    pid = start(dap, "netfiles", args, syscall=condition)
    stops = []
    mark = 0
    while True:
        found = dap.wait_for(
            lambda m: m.get("event") in ("stopped", "exited"), start=mark, timeout=30, what="stopped or exited"
        )
        if found["event"] == "exited":
            return pid, stops, found["body"]["exitCode"]
        stops.append(found["body"])
        assert not all_held(pid), all_held(pid)
        mark = continue_(dap, found["body"]["threadId"])


def test_entry_and_exit_stops_name_the_call_its_arguments_and_its_result(dap):
    expected = untraced("netfiles", 1, 1)
    pid = start(dap, "netfiles", [1, 1], syscall="openat, connect")
    texts = []
    mark = 0
    while True:
        found = dap.wait_for(lambda m: m.get("event") in ("stopped", "exited"), start=mark, timeout=30)
        if found["event"] == "exited":
            break
        body = found["body"]
        assert body["reason"] == "exception" and body["allThreadsStopped"] is True
        tid = body["threadId"]
        texts.append((tid, body["text"]))
        assert body["description"] == f"Paused on syscall: {body['text']}"
        info = dap.ok("exceptionInfo", {"threadId": tid})["body"]
        assert info["exceptionId"] == "syscall" and info["details"]["message"] == body["text"]
        frame = dap.ok("stackTrace", {"threadId": tid})["body"]["stackFrames"][0]
        scopes = {s["name"]: s for s in dap.ok("scopes", {"frameId": frame["id"]})["body"]["scopes"]}
        assert set(scopes) == {"Registers", "Syscall"}
        rows = dap.ok("variables", {"variablesReference": scopes["Syscall"]["variablesReference"]})["body"]
        values = {v["name"]: v["value"] for v in rows["variables"]}
        assert values["name"] in ("openat", "connect") and values["call"] in body["text"]
        assert ("result" in values) == body["text"].startswith("syscall exit")
        mark = continue_(dap, tid)
    assert found["body"]["exitCode"] == 0
    assert stdout_lines(dap) == expected.stdout.splitlines()
    worker = [text for _, text in texts if "hostname" in text or "netfiles" in text or "connect" in text]
    assert worker[0] == 'syscall entry: openat(AT_FDCWD, "/etc/hostname", O_RDONLY|O_CLOEXEC)'
    assert re.fullmatch(r'syscall exit: openat\(AT_FDCWD, "/etc/hostname", O_RDONLY\|O_CLOEXEC\) = \d+', worker[1])
    assert worker[2] == 'syscall entry: openat(AT_FDCWD, "/nonexistent/netfiles", O_RDONLY)'
    assert worker[3].endswith("= -1 ENOENT (No such file or directory)")
    assert re.fullmatch(r"syscall entry: connect\(\d+, \{AF_INET, 127\.0\.0\.1:\d+\}, 16\)", worker[4])
    assert worker[5].endswith(") = 0")
    assert worker[6].startswith("syscall entry: connect(") and f'{{AF_UNIX, @"netfiles-{pid}"}}' in worker[6]
    # Per thread, each entry is followed by its exit.
    for tid in {tid for tid, _ in texts}:
        phases = [text.split(":")[0] for t, text in texts if t == tid]
        assert phases == ["syscall entry", "syscall exit"] * (len(phases) // 2), (tid, phases)


def test_a_catchpoint_while_threads_exit_misses_no_call_and_changes_nothing(dap):
    expected = untraced("netfiles", 4, 4, 3, 4)
    _pid, stops, code = run_catching(dap, [4, 4, 3, 4], "connect")
    assert code == 0
    assert stdout_lines(dap) == expected.stdout.splitlines()
    # 4 rounds x 4 threads x 2 connects, each an entry and an exit: none lost while another was shown.
    assert len(stops) == 64, [s["text"] for s in stops]
    assert sum(s["text"].startswith("syscall exit") for s in stops) == 32
    assert_exactly_once(dap, ended=True)


def test_clearing_the_catchpoint_lets_the_program_run_free(dap):
    expected = untraced("netfiles", 3, 2)
    start(dap, "netfiles", [3, 2], syscall="*")
    stop = next_stop(dap, 0)
    assert stop["body"]["text"].startswith("syscall ")
    set_filters(dap)
    continue_(dap, stop["body"]["threadId"])
    assert dap.wait_event("exited", timeout=30)["body"]["exitCode"] == 0
    assert len(dap.events("stopped")) == 1
    assert stdout_lines(dap) == expected.stdout.splitlines()


def test_a_misspelt_call_is_refused_with_a_suggestion(dap):
    answer = dap.ok(
        "setExceptionBreakpoints", {"filters": [], "filterOptions": [{"filterId": "syscall", "condition": "opneat"}]}
    )["body"]["breakpoints"]
    assert answer == [{"verified": False, "message": answer[0]["message"]}]
    assert "'opneat' is not a syscall" in answer[0]["message"] and "did you mean openat" in answer[0]["message"]
    partial = dap.ok(
        "setExceptionBreakpoints",
        {"filters": ["newThread"], "filterOptions": [{"filterId": "syscall", "condition": "connect, cnnect"}]},
    )["body"]["breakpoints"]
    assert partial[0] == {"verified": True}
    assert partial[1]["verified"] is True and "catching connect" in partial[1]["message"]


def test_setting_the_catchpoint_while_the_program_runs_catches_a_call_already_blocked(dap):
    """A thread blocked in read(2) when the filter is set must take PTRACE_SYSCALL at once."""
    pid = start(dap, "threadstates", ["read"])
    dap.wait_for(lambda m: m.get("event") == "output" and "ready" in m["body"]["output"], what="ready")
    line = next(line for line in stdout_lines(dap) if line.startswith("thread read"))
    reader, fd = int(line.split()[2]), line.split()[3]
    mark = len(dap.received)
    set_filters(dap, syscall="read")
    stop = next_stop(dap, mark)
    # Interrupted and restarted by the kernel (ERESTARTSYS), the call stops at its entry.
    assert stop["body"]["threadId"] == reader
    assert stop["body"]["text"] == f"syscall entry: read({fd})"
    assert not all_held(pid)
    set_filters(dap)
    continue_(dap, reader)
    assert len(dap.events("stopped")) == 1
