"""Every request can fail with a schema-valid error response; every event type we send is produced.

The test client validates each message against the DAP schema, so reaching
these messages is the check; the assertions say which path produced them.
"""

from __future__ import annotations

import pytest
from procs import program

import dap_threads.session  # noqa: F401  (registers the handlers)
from dap_threads.dap.requests import commands

# One way to make each request fail, in a fresh initialized session with no program.
FAILING_REQUESTS = {
    "initialize": ({"adapterID": "again"}, "already sent"),
    "configurationDone": ({"unexpected": 1}, None),
    "attach": ({"pid": "x"}, "pid"),
    "launch": ({"program": ""}, "empty"),
    "threads": (None, None),
    "pause": ({"threadId": 1}, "no program"),
    "continue": ({"threadId": 1}, "no program"),
    "stackTrace": ({"threadId": 1}, "no program"),
    "scopes": ({"frameId": 1}, "no frame"),
    "variables": ({"variablesReference": 1}, "no variables container"),
    "disconnect": ({"terminateDebuggee": "yes"}, "boolean"),
    "source": ({"sourceReference": 0, "source": {"path": "/etc/passwd"}}, "not named by any stack frame"),
    "modules": ({}, "no program"),
    "readMemory": ({"memoryReference": "main", "count": 4}, "must be an address"),
    "disassemble": ({"memoryReference": "0x1000", "instructionCount": -1}, "instructionCount"),
    "terminate": ({}, "no program"),
    "setExceptionBreakpoints": ({"filters": "newThread"}, "array"),
    "exceptionInfo": ({"threadId": 1}, "no program"),
    "evaluate": ({"expression": "print x"}, "unknown command"),
}


def test_the_table_covers_every_registered_request():
    assert sorted(FAILING_REQUESTS) == commands()


@pytest.mark.parametrize("command", sorted(FAILING_REQUESTS))
def test_each_request_has_a_schema_valid_error_response(dap, command):
    arguments, words = FAILING_REQUESTS[command]
    response = dap.request(command, arguments)
    if words is None:  # requests that cannot fail with these arguments: they must succeed, validly
        assert response["success"] is True
        return
    assert response["success"] is False
    assert words in response["message"]
    assert response["body"]["error"]["format"] == response["message"]
    dap.check_schema()


def test_launch_emits_process_output_thread_exited_terminated(dap):
    dap.launch(program("exitcode"), ["4", "10"])
    dap.wait_event("terminated", timeout=20)
    kinds = {m["event"] for m in dap.events()}
    assert {"initialized", "process", "output", "thread", "exited", "terminated"} <= kinds
    process = dap.events("process")[0]["body"]
    assert process["startMethod"] == "launch" and process["isLocalProcess"] is True
    assert process["name"].endswith("/exitcode")
    dap.check_schema()
