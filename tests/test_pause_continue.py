"""pause (all-stop) and continue (all, or one thread)."""

from __future__ import annotations

import time

from procs import thread_states, wait_until


def test_pause_stops_every_thread_and_sends_one_stopped_event(dap, programs):
    spin = programs.start("spin", 8, -1, wait_line="spin: ready")
    dap.attach(spin.pid)
    response_seq = dap.request_async("pause", {"threadId": spin.pid})
    response = dap.response(response_seq)
    assert response["success"]
    stopped = dap.wait_event("stopped")
    # DAP: the response to pause comes first, then the stopped event.
    assert dap.received.index(response) < dap.received.index(stopped)
    assert stopped["body"] == {"reason": "pause", "threadId": spin.pid, "allThreadsStopped": True}
    states = thread_states(spin.pid)
    assert len(states) == 9 and set(states.values()) == {"t"}, states
    time.sleep(0.2)
    assert len(dap.events("stopped")) == 1


def test_continue_resumes_every_thread(dap, programs):
    spin = programs.start("spin", 4, -1, wait_line="spin: ready")
    dap.attach(spin.pid, stopOnAttach=True)
    dap.wait_event("stopped")
    response = dap.ok("continue", {"threadId": spin.pid})
    assert response["body"]["allThreadsContinued"] is True
    wait_until(lambda: "t" not in thread_states(spin.pid).values(), what="all threads running")


def test_single_thread_continue_resumes_only_that_thread(dap, programs):
    spin = programs.start("spin", 4, -1, wait_line="spin: ready")
    dap.attach(spin.pid, stopOnAttach=True)
    dap.wait_event("stopped")
    worker = next(t["id"] for t in dap.ok("threads")["body"]["threads"] if t["id"] != spin.pid)
    response = dap.ok("continue", {"threadId": worker, "singleThread": True})
    assert response["body"]["allThreadsContinued"] is False
    time.sleep(0.1)
    states = thread_states(spin.pid)
    assert states[worker] != "t"
    assert all(state == "t" for tid, state in states.items() if tid != worker), states
    index = len(dap.received)
    dap.ok("pause", {"threadId": spin.pid})
    dap.wait_event("stopped", start=index)
    wait_until(lambda: set(thread_states(spin.pid).values()) == {"t"}, what="all stopped again")


def test_threads_created_during_a_pause_are_held_and_announced(dap, programs):
    seed = programs.start("seed", 5, 40, 200, 30, wait_line="process:")
    dap.attach(seed.pid)
    for _ in range(5):
        index = len(dap.received)
        dap.ok("pause", {"threadId": seed.pid})
        dap.wait_event("stopped", start=index)
        states = thread_states(seed.pid)
        assert set(states.values()) <= {"t", "Z"}, states
        announced = set(dap.thread_events("started")) - set(dap.thread_events("exited"))
        assert set(t for t, s in states.items() if s == "t") <= announced
        dap.ok("continue", {"threadId": seed.pid})
        time.sleep(0.03)
    seed.communicate(timeout=30)
    assert seed.returncode == 0


def test_stack_trace_and_registers_of_a_paused_thread(dap, programs):
    spin = programs.start("spin", 2, -1, wait_line="spin: ready")
    dap.attach(spin.pid, stopOnAttach=True)
    dap.wait_event("stopped")
    frames = dap.ok("stackTrace", {"threadId": spin.pid})["body"]["stackFrames"]
    assert [f["name"] for f in frames][:3] == ["__libc_pause", "sleep_forever", "main"]
    top = frames[0]
    assert int(top["instructionPointerReference"], 16) > 0
    assert not top["name"].startswith("0x"), "the top frame should be named by an ELF symbol"
    scopes = dap.ok("scopes", {"frameId": top["id"]})["body"]["scopes"]
    assert scopes[0]["name"] == "Registers"
    variables = dap.ok("variables", {"variablesReference": scopes[0]["variablesReference"]})["body"]["variables"]
    values = {v["name"]: int(v["value"], 16) for v in variables}
    assert values["rip"] == int(top["instructionPointerReference"], 16)
    assert {"rax", "rsp", "rbp", "fs_base"} <= set(values)


def test_requests_on_a_running_thread_answer_with_an_error(dap, programs):
    spin = programs.start("spin", 2, -1, wait_line="spin: ready")
    dap.attach(spin.pid)
    response = dap.request("stackTrace", {"threadId": spin.pid}, timeout=5)
    assert not response["success"] and "running" in response["message"] and "pause" in response["message"]
    stale = dap.request("scopes", {"frameId": 12345})
    assert not stale["success"] and "frame" in stale["message"]


def test_pause_completes_after_the_leader_exited_first(dap):
    # leader_exit's main thread calls pthread_exit: a zombie the kernel reports nothing about until
    # the last worker ends, so the all-stop must find it in /proc instead of waiting for its stop.
    # (No `threads` request before the pause: it would spot the zombie leader by itself.)
    from procs import program

    dap.launch(program("leader_exit"), ["3", "3000"])
    pid = dap.wait_event("process")["body"]["systemProcessId"]
    wait_until(lambda: len(thread_states(pid)) == 4 and thread_states(pid).get(pid) == "Z", what="zombie leader")
    worker = next(tid for tid in dap.thread_events("started") if tid != pid)
    dap.ok("pause", {"threadId": worker})
    stopped = dap.wait_event("stopped", reason="pause", timeout=5)
    assert stopped["body"]["threadId"] == worker
    assert pid in dap.thread_events("exited")
    states = thread_states(pid)
    assert all(state == "t" for tid, state in states.items() if tid != pid), states
    dap.ok("continue", {"threadId": worker})
    assert dap.wait_event("exited", timeout=20)["body"]["exitCode"] == 0
    output = "".join(m["body"]["output"] for m in dap.events("output"))
    assert output.splitlines()[-1] == "worker 3 done"
