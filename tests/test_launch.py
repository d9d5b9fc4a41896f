"""launch: from the first instruction, output as events, every thread once, exit code reported."""

from __future__ import annotations

import re

from procs import program


def test_launch_storm_reports_every_thread_exactly_once(dap):
    dap.launch(program("storm"), ["2000", "8"])
    exited = dap.wait_event("exited", timeout=60)
    dap.wait_event("terminated")
    assert exited["body"]["exitCode"] == 0
    started = dap.thread_events("started")
    assert len(started) == 2001 and len(set(started)) == 2001
    gone = dap.thread_events("exited")
    assert len(gone) == 2001 and set(gone) == set(started)
    output = "".join(m["body"]["output"] for m in dap.events("output") if m["body"]["category"] == "stdout")
    assert "storm: threads=2000 sum=1999000" in output


def test_launch_forwards_stdout_stderr_and_exit_code(dap):
    dap.launch(program("exitcode"), ["5", "50"])
    exited = dap.wait_event("exited", timeout=20)
    assert exited["body"]["exitCode"] == 5
    dap.wait_event("terminated")
    by_category = {}
    for m in dap.events("output"):
        by_category.setdefault(m["body"]["category"], []).append(m["body"]["output"])
    assert "".join(by_category["stdout"]) == "exitcode: 5\n"
    assert "".join(by_category["stderr"]) == "exitcode: stderr line\n"
    # exited/terminated are the last events
    assert [m["event"] for m in dap.events()][-2:] == ["exited", "terminated"]


def test_stop_on_entry_holds_the_program_before_its_first_thread(dap):
    dap.ok("launch", {"program": program("seed"), "args": ["10", "3", "100", "20"], "stopOnEntry": True})
    dap.ok("configurationDone")
    stopped = dap.wait_event("stopped", reason="entry")
    pid = stopped["body"]["threadId"]
    threads = dap.ok("threads")["body"]["threads"]
    assert [t["id"] for t in threads] == [pid]
    frame = dap.ok("stackTrace", {"threadId": pid})["body"]["stackFrames"][0]
    assert "ld-linux" in frame.get("moduleId", "") or frame["name"].startswith("_start")
    assert "path" not in frame.get("source", {}), "no source line: a client must not open the binary as a source"
    dap.ok("continue", {"threadId": pid})
    assert dap.wait_event("exited", timeout=20)["body"]["exitCode"] == 0
    assert len(set(dap.thread_events("started"))) == 4


def test_launch_env_args_and_cwd_reach_the_program(dap, tmp_path):
    dap.launch(
        "/bin/sh", ["-c", 'echo "$DAPT_VAR $1 $(pwd)"', "sh", "arg1"], env={"DAPT_VAR": "hello"}, cwd=str(tmp_path)
    )
    dap.wait_event("terminated", timeout=20)
    output = "".join(m["body"]["output"] for m in dap.events("output") if m["body"]["category"] == "stdout")
    assert output == f"hello arg1 {tmp_path}\n"


def test_launch_of_a_missing_or_non_executable_program_is_an_error(dap, tmp_path):
    missing = dap.request("launch", {"program": str(tmp_path / "nope")})
    assert not missing["success"] and "does not exist" in missing["message"]
    script = tmp_path / "plain.txt"
    script.write_text("hello")
    not_exec = dap.request("launch", {"program": str(script)})
    assert not not_exec["success"] and "not executable" in not_exec["message"]
    no_program = dap.request("launch", {})
    assert not no_program["success"] and re.search(r"program.*required", no_program["message"])
    # The session still works afterwards.
    dap.launch(program("exitcode"), ["0", "0"])
    assert dap.wait_event("exited", timeout=20)["body"]["exitCode"] == 0


def test_terminate_sends_sigterm(dap):
    dap.launch(program("seed"), ["0", "0", "-1"])
    dap.wait_event("output")
    dap.ok("terminate")
    exited = dap.wait_event("exited", timeout=20)
    assert exited["body"]["exitCode"] == 128 + 15
    dap.wait_event("terminated")
