"""Bad requests get a clear error response, and the session keeps working."""

from __future__ import annotations

import os
import signal
import subprocess

from procs import tracer_pid


def failed(response, *words: str) -> None:
    assert response["success"] is False, response
    for word in words:
        assert word in response["message"], response["message"]


def test_attach_to_a_missing_process(dap):
    failed(dap.request("attach", {"pid": 4_000_000}), "no such process", "4000000")


def test_attach_to_the_adapter_itself(dap, adapter):
    failed(dap.request("attach", {"pid": adapter.proc.pid}), "adapter itself")


def test_attach_to_an_already_traced_process_names_the_tracer(dap, programs):
    seed = programs.start("seed", 0, 0, -1, wait_line="process:")
    strace = subprocess.Popen(["strace", "-p", str(seed.pid), "-o", "/dev/null"], stderr=subprocess.DEVNULL)
    try:
        from procs import wait_until

        wait_until(lambda: tracer_pid(seed.pid) == strace.pid, what="strace attached")
        failed(dap.request("attach", {"pid": seed.pid}), "already traced", str(strace.pid), "strace")
    finally:
        strace.send_signal(signal.SIGINT)
        strace.wait(10)


def test_attach_bad_arguments(dap):
    failed(dap.request("attach", {}), "pid")
    failed(dap.request("attach", {"pid": "12x"}), "pid")
    failed(dap.request("attach", {"pid": -5}), "valid process id")
    failed(dap.request("attach", {"pid": 0}), "valid process id")
    failed(dap.request("attach", {"pid": 2**40}), "valid process id")
    failed(dap.request("attach", {"pid": 1.5}), "pid")
    failed(dap.request("attach", {"pid": 2}), "kernel thread")


def test_attach_to_a_thread_id_names_its_process(dap, programs):
    spin = programs.start("spin", 2, -1, wait_line="spin: ready")
    tid = max(int(t) for t in os.listdir(f"/proc/{spin.pid}/task"))
    failed(dap.request("attach", {"pid": tid}), f"thread of process {spin.pid}")


def test_attach_twice_in_one_session(dap, programs):
    first = programs.start("seed", 0, 0, -1, wait_line="process:")
    second = programs.start("seed", 0, 0, -1, wait_line="process:")
    dap.attach(first.pid)
    failed(dap.request("attach", {"pid": second.pid}), "already debugs", str(first.pid))
    assert tracer_pid(second.pid) == 0


def test_unknown_command_and_bad_arguments(dap):
    failed(dap.request("frobnicate"), "unknown request 'frobnicate'")
    failed(dap.request("continue", {"threadId": "7"}), "threadId", "integer")
    failed(dap.request("continue", {}), "threadId", "required")
    failed(dap.request("pause", [1, 2]), "must be a JSON object")
    failed(dap.request("continue", {"threadId": 1}), "no program")


def test_requests_naming_unknown_threads(dap, programs):
    seed = programs.start("seed", 0, 0, -1, wait_line="process:")
    dap.attach(seed.pid)
    failed(dap.request("continue", {"threadId": 999999}), "no thread 999999")
    failed(dap.request("pause", {"threadId": 999999}), "no thread 999999")
    failed(dap.request("stackTrace", {"threadId": 999999}), "no thread 999999")
    assert dap.ok("threads")["body"]["threads"][0]["id"] == seed.pid


def test_request_before_initialize(adapter):
    response = adapter.client.request("threads")
    failed(response, "initialize")


def test_pause_while_paused_answers_and_reports_stopped_again(dap, programs):
    seed = programs.start("seed", 0, 0, -1, wait_line="process:")
    dap.attach(seed.pid, stopOnAttach=True)
    dap.wait_event("stopped")
    index = len(dap.received)
    dap.ok("pause", {"threadId": seed.pid})
    dap.wait_event("stopped", start=index, timeout=5)


def test_adapter_killed_while_paused_leaves_the_program_running(adapter, dap, programs):
    seed = programs.start("seed", 100, 3, 200, 50, wait_line="process:")
    dap.attach(seed.pid, stopOnAttach=True)
    dap.wait_event("stopped")
    adapter.proc.kill()
    adapter.proc.wait(5)
    out, _ = seed.communicate(timeout=30)
    assert seed.returncode == 0 and out.count("process:") == 3 and out.strip().endswith("done")
