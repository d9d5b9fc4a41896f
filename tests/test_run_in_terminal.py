"""launch with console: integratedTerminal / externalTerminal, through the runInTerminal reverse request.

The test client plays the editor: it answers runInTerminal by running the command itself, with pipes
for the terminal (so the bytes can be compared exactly), as a child of the test, not of the adapter.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from dap_client import DapClient, ReverseRefusal
from procs import program

#: bytes a terminal user could send: a non-UTF-8 byte, a CR, a NUL, an escape sequence, a tab
INPUT = b"first line\n\xff\xfe not utf-8\r\n\x00nul\x1b[31mred\x1b[0m\ttab\nno newline at the end"
PROMPT = "type> "


class Terminal:
    """What the client started for runInTerminal: the process, with its three pipes."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.process: subprocess.Popen[bytes] | None = None
        self.started = threading.Event()

    def run(self, request: dict[str, Any]) -> dict[str, int]:
        arguments = request["arguments"]
        self.requests.append(arguments)
        env = dict(os.environ)
        for name, value in (arguments.get("env") or {}).items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        self.process = subprocess.Popen(
            arguments["args"],
            cwd=arguments["cwd"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.started.set()
        return {"processId": self.process.pid}

    def finish(self, data: bytes, timeout: float = 30) -> tuple[bytes, bytes, int]:
        assert self.started.wait(timeout), "the adapter sent no runInTerminal request"
        assert self.process is not None
        out, err = self.process.communicate(data, timeout=timeout)
        return out, err, self.process.returncode

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def terminal(adapter) -> Any:
    term = Terminal()
    adapter.client.reverse_handlers["runInTerminal"] = term.run
    yield term
    term.kill()


def initialize(dap: DapClient, *, run_in_terminal: bool = True) -> None:
    dap.ok(
        "initialize",
        {
            "adapterID": "dap-threads",
            "clientID": "pytest",
            "supportsRunInTerminalRequest": run_in_terminal,
        },
    )
    dap.wait_event("initialized")


def launch_in_terminal(dap: DapClient, console: str = "integratedTerminal", **arguments: Any) -> dict[str, Any]:
    response = dap.request(
        "launch", {"program": program("echo_stdin"), "args": [PROMPT], "console": console, **arguments}, timeout=60
    )
    if response["success"]:
        dap.ok("configurationDone")
    return response


def test_a_program_in_the_terminal_reads_its_input_and_its_bytes_pass_exactly(adapter, terminal):
    dap = adapter.client
    initialize(dap)
    response = launch_in_terminal(dap, cwd="/tmp", env={"DAPT_TERMINAL_VAR": "set"})
    assert response["success"], response
    out, err, status = terminal.finish(INPUT)
    exited = dap.wait_event("exited", timeout=30)
    dap.wait_event("terminated")

    untraced = subprocess.run([program("echo_stdin"), PROMPT], input=INPUT, capture_output=True, check=False)
    assert out == untraced.stdout == PROMPT.encode() + INPUT
    assert err == untraced.stderr == b"echo_stdin: %d bytes, 3 lines\n" % len(INPUT)
    assert status == untraced.returncode == 3
    assert exited["body"]["exitCode"] == 3
    # the terminal has the output: none of it comes as output events
    assert not [m for m in dap.events("output") if m["body"].get("category") in ("stdout", "stderr")]

    (request,) = terminal.requests
    assert request["kind"] == "integrated"
    assert request["cwd"] == "/tmp"
    assert request["env"] == {"DAPT_TERMINAL_VAR": "set"}
    assert request["args"][-3:] == [program("echo_stdin"), program("echo_stdin"), PROMPT]
    assert "echo_stdin" in request["title"]
    process = dap.events("process")[0]["body"]
    assert process["name"] == program("echo_stdin") and process["startMethod"] == "launch"
    started = dap.thread_events("started")
    assert len(started) == 2 and started[0] == process["systemProcessId"]
    assert sorted(dap.thread_events("exited")) == sorted(started)


def test_stop_on_entry_in_the_terminal_holds_the_program_before_its_first_instruction(adapter, terminal):
    dap = adapter.client
    initialize(dap)
    assert launch_in_terminal(dap, "externalTerminal", stopOnEntry=True)["success"]
    stopped = dap.wait_event("stopped", reason="entry")
    pid = stopped["body"]["threadId"]
    assert terminal.requests[0]["kind"] == "external"
    assert terminal.process is not None and terminal.process.pid == pid, "the launcher itself became the program"
    assert Path(f"/proc/{pid}/exe").resolve() == Path(program("echo_stdin"))
    # Held at the exec: not a byte written yet (its first act is to write the prompt), one thread.
    assert terminal.process.stdout is not None
    os.set_blocking(terminal.process.stdout.fileno(), False)
    time.sleep(0.3)
    assert terminal.process.stdout.read() is None, "the program ran before the adapter let it"
    assert [t["id"] for t in dap.ok("threads")["body"]["threads"]] == [pid]
    dap.ok("continue", {"threadId": pid})
    os.set_blocking(terminal.process.stdout.fileno(), True)
    assert terminal.process.stdout.read(len(PROMPT)) == PROMPT.encode()
    dap.wait_for(lambda m: len(dap.thread_events("started")) == 2, what="the reader thread", timeout=10)
    _, _, status = terminal.finish(b"one\n")
    assert status == 1
    assert dap.wait_event("exited", timeout=30)["body"]["exitCode"] == 1


def test_disconnect_ends_the_program_running_in_the_terminal(adapter, terminal):
    dap = adapter.client
    initialize(dap)
    assert launch_in_terminal(dap)["success"]
    assert terminal.started.wait(10)
    dap.wait_for(lambda m: len(dap.thread_events("started")) == 2, what="both threads", timeout=10)
    dap.ok("disconnect", {})
    assert terminal.process is not None
    assert terminal.process.wait(10) == -9, "launched programs end with the session (SIGKILL), as with internalConsole"


def test_without_the_clients_run_in_terminal_support_it_falls_back_to_output_events(adapter, terminal):
    dap = adapter.client
    initialize(dap, run_in_terminal=False)
    assert launch_in_terminal(dap)["success"]
    dap.wait_event("exited", timeout=30)
    dap.wait_event("terminated")
    assert terminal.requests == [], "runInTerminal sent to a client that did not declare it"
    notes = [m["body"]["output"] for m in dap.events("output") if m["body"].get("category") == "console"]
    assert any('falls back to "internalConsole"' in n and "supportsRunInTerminalRequest" in n for n in notes), notes
    stdout = "".join(m["body"]["output"] for m in dap.events("output") if m["body"].get("category") == "stdout")
    assert stdout == PROMPT, "internalConsole: output events as before, stdin empty"


def test_internal_console_is_todays_launch(adapter, terminal):
    dap = adapter.client
    initialize(dap)
    assert launch_in_terminal(dap, "internalConsole")["success"]
    dap.wait_event("terminated", timeout=30)
    assert terminal.requests == []
    stderr = "".join(m["body"]["output"] for m in dap.events("output") if m["body"].get("category") == "stderr")
    assert stderr == "echo_stdin: 0 bytes, 0 lines\n"


def test_a_client_that_refuses_run_in_terminal_gets_an_error_saying_so(adapter):
    dap = adapter.client

    def refuse(request: dict[str, Any]) -> None:
        raise ReverseRefusal("no terminal available here")

    dap.reverse_handlers["runInTerminal"] = refuse
    initialize(dap)
    response = launch_in_terminal(dap)
    assert not response["success"]
    assert "could not start the program in a terminal" in response["message"]
    assert "no terminal available here" in response["message"]
    # the session is still usable: a launch in the internal console works
    assert launch_in_terminal(dap, "internalConsole")["success"]
    dap.wait_event("terminated", timeout=30)


def test_an_unknown_console_or_a_missing_program_is_refused_before_any_terminal(adapter, terminal, tmp_path):
    dap = adapter.client
    initialize(dap)
    response = launch_in_terminal(dap, "integratedTerminl")
    assert not response["success"]
    assert "'console' must be one of 'internalConsole', 'integratedTerminal', 'externalTerminal'" in response["message"]
    response = dap.request("launch", {"program": str(tmp_path / "nope"), "console": "integratedTerminal"})
    assert not response["success"] and "does not exist" in response["message"]
    assert terminal.requests == []


def test_a_program_the_kernel_cannot_exec_fails_the_launch_with_the_launchers_reason(adapter, terminal, tmp_path):
    dap = adapter.client
    initialize(dap)
    bogus = tmp_path / "not-a-program"
    bogus.write_bytes(b"\x00\x01 neither ELF nor a #! script\n")
    bogus.chmod(0o755)
    response = dap.request("launch", {"program": str(bogus), "console": "integratedTerminal"}, timeout=60)
    assert not response["success"]
    assert "could not start" in response["message"] and "Exec format error" in response["message"], response
    _, err, status = terminal.finish(b"")
    assert status == 127
    assert b"dap-threads launcher: cannot run" in err and b"Exec format error" in err
