"""Protocol rules: seq and ordering, framing robustness, TCP, and the adapter's own exit."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

from dap_client import tcp_client
from procs import REPO, program, tracer_pid


def test_seq_increases_and_responses_answer_their_request(dap):
    dap.ok("threads")
    dap.request("nope")
    seqs = [m["seq"] for m in dap.received]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs) and seqs[0] == 1
    responses = [m for m in dap.received if m["type"] == "response"]
    assert [r["command"] for r in responses] == ["initialize", "threads", "nope"]
    assert [r["request_seq"] for r in responses] == [1, 2, 3]


def test_initialized_follows_the_initialize_response_and_nothing_precedes_it(adapter):
    adapter.client.initialize()
    first, second = adapter.client.received[:2]
    assert first["type"] == "response" and first["command"] == "initialize"
    assert second == {"seq": 2, "type": "event", "event": "initialized"}


def test_capabilities_are_exactly_what_is_implemented(dap):
    capabilities = dap.received[0]["body"]
    assert capabilities == {
        "supportsConfigurationDoneRequest": True,
        "supportsTerminateRequest": True,
        "supportTerminateDebuggee": True,
        "supportsSingleThreadExecutionRequests": True,
        "supportsDelayedStackTraceLoading": True,
        "supportsModulesRequest": True,
        "supportsReadMemoryRequest": True,
        "supportsDisassembleRequest": True,
        "supportsExceptionFilterOptions": True,
        "supportsExceptionInfoRequest": True,
        "exceptionBreakpointFilters": [
            {
                "filter": "newThread",
                "label": "New thread",
                "description": capabilities["exceptionBreakpointFilters"][0]["description"],
                "default": False,
                "supportsCondition": True,
                "conditionDescription": capabilities["exceptionBreakpointFilters"][0]["conditionDescription"],
            },
            {
                "filter": "syscall",
                "label": "Syscall",
                "description": capabilities["exceptionBreakpointFilters"][1]["description"],
                "default": False,
                "supportsCondition": True,
                "conditionDescription": capabilities["exceptionBreakpointFilters"][1]["conditionDescription"],
            },
        ],
    }


def test_thread_started_precedes_every_message_naming_the_thread(dap):
    dap.launch(program("storm"), ["300", "4"])
    dap.wait_event("terminated", timeout=60)
    announced = set()
    for message in dap.received:
        if message.get("event") == "thread" and message["body"]["reason"] == "started":
            announced.add(message["body"]["threadId"])
        elif message.get("event") == "thread" or message.get("event") == "stopped":
            assert message["body"]["threadId"] in announced, message
    assert [m["event"] for m in dap.events()][-2:] == ["exited", "terminated"]


def test_framing_errors_are_survived(adapter):
    client = adapter.client
    client.initialize()
    client.send_raw(b"this is not json")
    client.send_raw(b"[1, 2, 3]")
    client.send_raw(b'{"seq": 50, "type": "request", "arguments": {}}')  # no command
    client.send_raw(
        b'{"seq": 51, "type": "request", "command": "threads"}', header=b"Content-Type: application/json\r\n\r\n"
    )  # no Content-Length
    big = json.dumps({"seq": 52, "type": "request", "command": "threads", "arguments": {"pad": "x" * (10 << 20)}})
    client.send_raw(big.encode())
    no_command = client.response(50)
    assert no_command["success"] is False and "command" in no_command["message"]
    assert client.response(52, timeout=30)["success"] is True
    assert client.ok("threads")["success"]
    log = adapter.log_file.read_text()
    assert "Unable to handle message" in log or "not JSON" in log
    assert "object" in log and "without Content-Length" in log


def test_truncated_frame_then_eof_exits_cleanly_and_detaches(adapter, programs):
    client = adapter.client
    client.initialize()
    seed = programs.start("seed", 0, 0, -1, wait_line="process:")
    client.attach(seed.pid)
    client.send_raw(b'{"seq": 9, "type": "req', header=b"Content-Length: 500\r\n\r\n")
    client.close()
    assert adapter.proc.wait(10) == 0
    assert tracer_pid(seed.pid) == 0
    assert seed.poll() is None


def test_stdio_adapter_exits_within_a_second_of_answering_disconnect(adapter, dap):
    dap.ok("disconnect")
    started = time.monotonic()
    adapter.proc.wait(5)
    assert time.monotonic() - started < 1.0


def test_tcp_serves_independent_sessions_one_after_another(tmp_path, programs):
    server = subprocess.Popen(
        [sys.executable, "-m", "dap_threads", "--listen", "127.0.0.1:0"], cwd=REPO, stderr=subprocess.PIPE, text=True
    )
    try:
        line = server.stderr.readline()
        match = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        assert match, line
        port = int(match.group(1))
        seed = programs.start("seed", 0, 0, -1, wait_line="process:")
        for _ in range(2):
            client = tcp_client(port)
            client.initialize()
            client.attach(seed.pid)
            assert client.ok("threads")["body"]["threads"][0]["id"] == seed.pid
            client.ok("disconnect")
            client.close()
            client.check_schema()
            from procs import wait_until

            wait_until(lambda: tracer_pid(seed.pid) == 0, what="detach")
        assert server.poll() is None, "the server must keep running across sessions"
    finally:
        server.terminate()
        server.wait(10)


def test_nothing_but_dap_frames_on_stdout(adapter, dap):
    dap.request("nope")
    dap.ok("disconnect")
    adapter.proc.wait(5)
    # The client parsed every byte as a frame; a stray print would have broken parsing.
    assert not dap.violations
