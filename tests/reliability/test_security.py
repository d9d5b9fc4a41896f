"""Promise 8 — security: the adapter gives nobody more than its own user already has.

- TCP binds 127.0.0.1 unless told otherwise, and says where on stderr; a
  non-loopback address is allowed only when asked for, with a warning.
- A Unix socket is mode 0600 (even under umask 000): other users cannot connect.
- Attach never gains privileges: an adapter run by one user cannot trace
  another user's process, and says why.
- launch runs the program from an argv list, never through a shell.

How these fail when the promise breaks:
- binding "" / 0.0.0.0 by default: the listening socket's address is not
  127.0.0.1 and the machine's other address accepts connections;
- a socket created with the umask's mode: another uid can connect;
- a tracer that has (or keeps) privileges it should not: the attach succeeds;
  an unhelpful message: the words that say what to do are missing;
- a shell in launch: `$(...)`, `;` and backquotes are interpreted and the
  marker files appear, or the output is not the literal arguments.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys

import psutil
import pytest
from procs import tracer_pid, wait_until
from reliability_support import (
    ADAPTER_UID,
    TARGET_UID,
    TcpAdapter,
    UserAdapter,
    as_user,
    mode_of,
    shared_dir,
    stdout_of,
)


def _other_addresses() -> list[str]:
    found = []
    for addresses in psutil.net_if_addrs().values():
        for address in addresses:
            if address.family == socket.AF_INET and not address.address.startswith("127."):
                found.append(address.address)
    return found


def test_tcp_listen_without_a_host_binds_loopback_only_and_says_so_on_stderr(tmp_path):
    server = TcpAdapter(tmp_path, "0")
    try:
        assert server.where.startswith("127.0.0.1:"), server.first_line
        listening = [
            c for c in psutil.Process(server.proc.pid).net_connections(kind="inet") if c.status == psutil.CONN_LISTEN
        ]
        assert [c.laddr.ip for c in listening] == ["127.0.0.1"], listening
        for address in _other_addresses():
            with pytest.raises(OSError):
                socket.create_connection((address, server.port), timeout=2).close()
        client = server.connect()
        client.initialize()
        client.close()
    finally:
        server.stop()


def test_tcp_listen_on_all_interfaces_warns_that_anyone_who_connects_can_trace(tmp_path):
    server = TcpAdapter(tmp_path, "0.0.0.0:0")
    try:
        text = server.stderr()
        assert "not loopback" in text and "anyone" in text and "trace" in text, text
    finally:
        server.stop()


def test_unix_socket_is_mode_0600_even_under_umask_000_and_other_users_cannot_connect(tmp_path):
    directory = shared_dir()  # world-searchable, so only the socket's own mode keeps others out
    path = directory / "dap.sock"
    server = TcpAdapter(tmp_path, f"unix:{path}", umask=0)
    try:
        assert server.where == f"unix:{path}"
        assert mode_of(path) == 0o600, oct(mode_of(path))
        if os.geteuid() == 0:
            probe = subprocess.run(
                [
                    *as_user(ADAPTER_UID),
                    sys.executable,
                    "-c",
                    "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])",
                    str(path),
                ],
                capture_output=True,
                text=True,
                timeout=30,
            )
            assert probe.returncode != 0 and "PermissionError" in probe.stderr, probe.stderr
        # The owner connects fine.
        sock = socket.socket(socket.AF_UNIX)
        sock.connect(str(path))
        sock.close()
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


def test_attach_to_another_users_process_fails_with_a_clear_message(programs, other_users):
    python, directory = other_users
    theirs = programs.start("seed", 0, 0, -1, wait_line="process:", user=TARGET_UID, group=TARGET_UID)
    mine = programs.start("seed", 0, 0, -1, wait_line="process:", user=ADAPTER_UID, group=ADAPTER_UID)
    adapter = UserAdapter(ADAPTER_UID, python, directory)
    try:
        client = adapter.client
        client.initialize()
        response = client.request("attach", {"pid": theirs.pid})
        assert response["success"] is False, "a non-root adapter traced another user's process"
        message = response["message"]
        for words in ("permission denied", str(theirs.pid), f"uid {TARGET_UID}", f"uid {ADAPTER_UID}"):
            assert words in message, message
        assert tracer_pid(theirs.pid) == 0
        # The same adapter may trace its own user's process: the refusal was about the owner.
        client.attach(mine.pid)
        assert tracer_pid(mine.pid) == adapter_pid(adapter)
        client.ok("disconnect")
        wait_until(lambda: tracer_pid(mine.pid) == 0, what="detached")
        client.check_schema()
    finally:
        adapter.stop()


def adapter_pid(adapter: UserAdapter) -> int:
    """setpriv execs the interpreter, so the adapter keeps setpriv's pid."""
    return adapter.proc.pid


def test_launch_passes_arguments_as_an_argv_list_never_through_a_shell(dap, tmp_path):
    marker = tmp_path / "pwned"
    args = [f"$(touch {marker}-1)", f"; touch {marker}-2", f"`touch {marker}-3`", f"| touch {marker}-4", "*", "~"]
    dap.launch("/bin/echo", args, cwd=str(tmp_path))
    assert dap.wait_event("exited", timeout=20)["body"]["exitCode"] == 0
    dap.wait_event("terminated")
    assert stdout_of(dap) == " ".join(args) + "\n"
    response = dap.request("launch", {"program": f"/bin/echo hi; touch {marker}-5", "args": []})
    assert response["success"] is False
    assert not list(tmp_path.glob("pwned*")), "a shell interpreted launch arguments"
