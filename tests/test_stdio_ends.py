"""The adapter on stdio, whatever stdin and stdout are: it serves, or refuses at once with a sentence.

Editors give pipes; a person or a tool may give a file, /dev/null, a terminal or one socket for both.
Never a traceback, never a hang.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pexpect
from procs import REPO

ADAPTER = [sys.executable, "-m", "dap_threads"]


def frame(seq: int, command: str, arguments: dict | None = None) -> bytes:
    body = json.dumps({"seq": seq, "type": "request", "command": command, "arguments": arguments or {}}).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


INITIALIZE = frame(1, "initialize", {"adapterID": "dap-threads", "clientID": "pytest"})


def messages(data: bytes) -> list[dict]:
    found = []
    while data:
        header, _, rest = data.partition(b"\r\n\r\n")
        length = int(header.split(b":")[1])
        found.append(json.loads(rest[:length]))
        data = rest[length:]
    return found


def run_adapter(stdin, stdout, **kwargs) -> subprocess.CompletedProcess[bytes]:
    if "input" not in kwargs:
        kwargs["stdin"] = stdin
    return subprocess.run(ADAPTER, stdout=stdout, stderr=subprocess.PIPE, cwd=REPO, timeout=20, **kwargs)


def assert_no_traceback(stderr: bytes) -> None:
    assert b"Traceback" not in stderr and b"Error" not in stderr, stderr.decode()


def test_stdin_dev_null_is_a_client_that_already_left(tmp_path: Path):
    with open(os.devnull, "rb") as devnull:
        done = run_adapter(devnull, subprocess.PIPE)
    assert done.returncode == 0 and done.stdout == b""
    assert_no_traceback(done.stderr)


def test_requests_from_a_file_answered_into_a_file(tmp_path: Path):
    requests, answers = tmp_path / "requests", tmp_path / "answers"
    requests.write_bytes(INITIALIZE + frame(2, "threads"))
    with open(requests, "rb") as stdin, open(answers, "wb") as stdout:
        done = run_adapter(stdin, stdout)
    assert done.returncode == 0
    assert_no_traceback(done.stderr)
    got = messages(answers.read_bytes())
    assert [(m["type"], m.get("command") or m.get("event")) for m in got][:3] == [
        ("response", "initialize"),
        ("event", "initialized"),
        ("response", "threads"),
    ]


def test_a_pipe_in_and_dev_null_out(tmp_path: Path):
    with open(os.devnull, "wb") as devnull:
        done = run_adapter(subprocess.PIPE, devnull, input=INITIALIZE)
    assert done.returncode == 0
    assert_no_traceback(done.stderr)


def test_one_socket_for_stdin_and_stdout():
    ours, theirs = socket.socketpair()
    with ours:
        proc = subprocess.Popen(ADAPTER, stdin=theirs, stdout=theirs, stderr=subprocess.PIPE, cwd=REPO)
        theirs.close()
        ours.settimeout(15)
        ours.sendall(INITIALIZE)
        reader = ours.makefile("rb")
        got = []
        while len(got) < 2:
            length = int(reader.readline().split(b":")[1])
            reader.readline()
            got.append(json.loads(reader.read(length)))
        ours.sendall(frame(2, "threads"))
        length = int(reader.readline().split(b":")[1])
        reader.readline()
        got.append(json.loads(reader.read(length)))
        ours.shutdown(socket.SHUT_WR)
        _, stderr = proc.communicate(timeout=15)
    assert [m.get("command") or m.get("event") for m in got] == ["initialize", "initialized", "threads"]
    assert proc.returncode == 0
    assert_no_traceback(stderr)


def test_closed_stdin_or_stdout_is_refused_at_once_with_a_sentence():
    for closed, name in ((0, "stdin"), (1, "stdout")):
        done = subprocess.run(
            [*ADAPTER],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if closed == 0 else None,
            stderr=subprocess.PIPE,
            cwd=REPO,
            timeout=20,
            # close the fd in the child, after subprocess set it up
            preexec_fn=lambda fd=closed: os.close(fd),
        )
        assert done.returncode == 2, done.stderr
        message = done.stderr.decode()
        assert message.startswith(f"dap-threads: {name} is closed;") and message.count("\n") == 1, message
        assert "--listen" in message


def terminal_fds_set_nonblocking(pid: int) -> list[str]:
    """The adapter's fds on a terminal whose open file is O_NONBLOCK (a flag the user's shell shares)."""
    found = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            flags = int(Path(f"/proc/{pid}/fdinfo/{fd}").read_text().split("flags:")[1].split()[0], 8)
        except (OSError, IndexError):
            continue
        if target.startswith("/dev/pts/") and flags & os.O_NONBLOCK:
            found.append(f"fd {fd} -> {target}")
    return found


def test_at_a_terminal_it_says_what_it_is_leaves_the_terminal_blocking_and_ctrl_d_ends_it():
    child = pexpect.spawn(ADAPTER[0], ADAPTER[1:], cwd=str(REPO), timeout=20)
    try:
        child.expect("Debug Adapter Protocol on stdin/stdout")
        child.expect("--help")
        time.sleep(0.5)  # serving by now
        assert child.isalive()
        assert terminal_fds_set_nonblocking(child.pid) == []
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, child.before
    assert b"Traceback" not in child.before
