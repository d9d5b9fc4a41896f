"""Promise 8 — security: the adapter gives nobody more than its own user already has.

- TCP binds 127.0.0.1 unless told otherwise, and says where on stderr; a
  non-loopback address starts only with --token-file or --allow-user, and warns.
- A Unix socket is mode 0600 (even under umask 000): other users cannot connect.
- A socket adapter serves only its own user (and root): another uid's
  connection, over TCP or over a Unix socket whose mode was loosened, is
  refused before anything runs (no file written, nothing attached), gets
  `terminated` and is closed, and the log names its uid. --allow-user USER or
  the adapter's token ("token" in attach/launch) lets it in.
- A root adapter launches for another user as that user, from the program's
  first instruction (uid, gid, groups, capabilities, environment), unless
  --launch-as-root.
- The token is said once on stderr, never logged; a token file is created
  0600, and one another user could have read or planted is refused.
- Attach never gains privileges: an adapter run by one user cannot trace
  another user's process, and says why.
- launch runs the program from an argv list, never through a shell.

Other users are uids with no account (61234, 61235), run with setpriv; their
connections are made by a process of that uid and handed to the test
(``connect_as``), so the kernel knows them as that user's.

How these fail when the promise breaks:
- binding "" / 0.0.0.0 by default: the listening socket's address is not
  127.0.0.1 and the machine's other address accepts connections;
- a socket created with the umask's mode: another uid can connect;
- an adapter that serves every connection: the launch succeeds and the marker
  is written by root, the attach succeeds (TracerPid set), no `terminated`;
- a misread peer uid: --allow-user does not let the user in, or the launched
  program's ids are not theirs; a dropped check of the token: the wrong one
  gets in; a logged token: it is in the debug log;
- a launch that keeps root: /proc/PID/status at the exec stop shows uid 0 or
  capabilities, or the program's HOME is root's;
- a tracer that has (or keeps) privileges it should not: the attach succeeds;
  an unhelpful message: the words that say what to do are missing;
- a shell in launch: `$(...)`, `;` and backquotes are interpreted and the
  marker files appear, or the output is not the literal arguments.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from dap_client import DapClient, socket_client
from procs import REPO, tracer_pid, wait_until
from reliability_support import (
    ADAPTER_UID,
    TARGET_UID,
    TcpAdapter,
    UserAdapter,
    as_user,
    connect_as,
    mode_of,
    python_for,
    shared_dir,
    stdout_of,
    user_env,
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


def test_listen_on_all_interfaces_refuses_to_start_unless_told_who_may_connect_then_warns(tmp_path):
    refused = subprocess.run(
        [sys.executable, "-m", "dap_threads", "--listen", "0.0.0.0:0"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2, refused.stderr
    for words in ("not a loopback address", "--token-file", "--allow-user"):
        assert words in refused.stderr, refused.stderr
    server = TcpAdapter(tmp_path, "0.0.0.0:0", args=["--token-file", str(tmp_path / "token")])
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


def test_a_refused_attach_is_marked_for_editors_and_says_how_to_attach_as_root(programs, other_users):
    python, directory = other_users
    theirs = programs.start("seed", 0, 0, -1, wait_line="process:", user=TARGET_UID, group=TARGET_UID)
    adapter = UserAdapter(ADAPTER_UID, python, directory)
    try:
        client = adapter.client
        client.initialize()
        response = client.request("attach", {"pid": theirs.pid})
        assert response["success"] is False
        error = response["body"]["error"]
        # the id an editor acts on (VS Code: offer to restart the adapter as root), and what it needs to
        assert error["id"] == 2001, error
        variables = error["variables"]
        assert variables["pid"] == str(theirs.pid) and variables["cause"] == "user", variables
        assert variables["user"] == str(ADAPTER_UID), "a uid without an account is named by its number"
        command = f"sudo {python} -m dap_threads --listen 127.0.0.1:4711 --allow-user {ADAPTER_UID}"
        assert variables["rootCommand"] == command
        assert f"`{command}`" in response["message"] and '"debugServer": 4711' in response["message"]
        # any other error keeps the plain id
        other = client.request("attach", {"pid": 4000000})
        assert other["body"]["error"]["id"] == 1 and "variables" not in other["body"]["error"]
        client.check_schema()
    finally:
        adapter.stop()


def test_ps_marks_the_processes_its_user_may_not_trace_and_says_why(programs, other_users):
    python, _ = other_users
    theirs = programs.start("seed", 0, 0, -1, wait_line="process:", user=TARGET_UID, group=TARGET_UID)
    mine = programs.start("seed", 0, 0, -1, wait_line="process:", user=ADAPTER_UID, group=ADAPTER_UID)
    listing = subprocess.run(
        [*as_user(ADAPTER_UID), python, "-m", "dap_threads", "ps", "--json"],
        cwd=REPO,
        env=user_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    rows = {row["pid"]: row for row in json.loads(listing.stdout)}
    assert rows[mine.pid]["traceable"] is True and rows[mine.pid]["reason"] is None
    assert rows[mine.pid]["user"] == str(ADAPTER_UID)
    assert rows[theirs.pid]["traceable"] is False
    assert rows[theirs.pid]["reason"] == f"it belongs to {TARGET_UID}: only that user or root may trace it"
    assert rows[1]["traceable"] is False and "belongs to root" in rows[1]["reason"]
    text = subprocess.run(
        [*as_user(ADAPTER_UID), python, "-m", "dap_threads", "ps"],
        cwd=REPO,
        env=user_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert re.search(rf"^\s*{mine.pid} ", text, re.M) and not re.search(rf"^\s*{theirs.pid} ", text, re.M)
    assert "processes you may not trace are left out: dap-threads ps --all lists them and why" in text


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


# ----- a root adapter on a socket serves only its own user (issue 9) --------------------

#: The other local user in these tests: a uid with no account, that a root adapter must not serve.
STRANGER = ADAPTER_UID
TOKEN_LINE = re.compile(r"^dap-threads: token: (\S+) ", re.MULTILINE)


def _adapter(directory: Path, transport: str, *args: str, **options) -> TcpAdapter:
    """An adapter on TCP loopback, or on a Unix socket whose mode is then loosened to 0666,
    so that only the adapter's own check stands between another user and it."""
    if transport == "tcp":
        return TcpAdapter(directory, "127.0.0.1:0", args=args, **options)
    path = directory / f"dap-{time.monotonic_ns()}.sock"
    server = TcpAdapter(directory, f"unix:{path}", args=args, **options)
    path.chmod(0o666)
    return server


def _connect(server: TcpAdapter, uid: int, python: str) -> DapClient:
    client = socket_client(connect_as(uid, python, server.where))
    client.initialize()  # answered to anyone, so that a client can show the refusal that follows
    return client


def _assert_refused(client: DapClient, command: str, arguments: dict | None, *words: str) -> str:
    response = client.request(command, arguments)
    assert response["success"] is False, f"{command} was served to another user: {response}"
    message = response["message"]
    for word in words:
        assert word in message, message
    client.wait_event("terminated")
    assert client.eof.wait(10), "the adapter kept the refused connection open"
    client.check_schema()
    return message


def _identity_of_launched(client: DapClient, directory: Path, **arguments) -> tuple[dict[str, str], str, int]:
    """Launch a shell that writes its ids to a file; (its /proc status at its first
    instruction, what it wrote, the file's owner)."""
    marker = directory / f"id-{time.monotonic_ns()}"
    script = f'echo "$(id -u) $(id -g) [$(id -G)] $HOME $USER" > {marker}'
    client.launch("/bin/sh", ["-c", script], stopOnEntry=True, **arguments)
    pid = client.wait_event("process")["body"]["systemProcessId"]
    client.wait_event("stopped", reason="entry")
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    client.ok("continue", {"threadId": pid})
    assert client.wait_event("exited", timeout=20)["body"]["exitCode"] == 0, stdout_of(client)
    client.wait_event("terminated")
    return {k: " ".join(v.split()) for k, v in status.items()}, marker.read_text().strip(), marker.stat().st_uid


def _as_stranger(status: dict[str, str], written: str, owner: int) -> None:
    """The program ran as STRANGER from its first instruction: no root uid, gid, group or capability."""
    assert status["Uid"] == f"{STRANGER} {STRANGER} {STRANGER} {STRANGER}", status["Uid"]
    assert status["Gid"] == "65534 65534 65534 65534", status["Gid"]  # no account: the overflow group
    assert status["Groups"] == "", status["Groups"]
    assert int(status["CapEff"], 16) == 0 and int(status["CapPrm"], 16) == 0, status
    assert written == f"{STRANGER} 65534 [65534] /", written  # and none of root's HOME or USER
    assert owner == STRANGER


@pytest.mark.parametrize("transport", ["tcp", "unix"])
def test_another_users_connection_to_a_root_adapter_is_refused_before_anything_runs(transport, programs, other_users):
    """Fails on an adapter that serves everyone: the launch writes the marker as root
    (or the attach succeeds) and no `terminated` comes."""
    python, directory = other_users
    roots = programs.start("seed", 0, 0, -1, wait_line="process:")
    marker = directory / "marker"
    server = _adapter(directory, transport)
    try:
        hints = (f"uid {STRANGER}", f"--allow-user {STRANGER}", '"token"')
        launch = {"program": "/bin/sh", "args": ["-c", f"id > {marker}"]}
        _assert_refused(_connect(server, STRANGER, python), "launch", launch, *hints)
        _assert_refused(_connect(server, STRANGER, python), "attach", {"pid": roots.pid}, *hints)
        # Every request that touches a process, not only attach and launch.
        _assert_refused(_connect(server, STRANGER, python), "threads", None, *hints)
        time.sleep(0.5)  # a launched shell would have written by now
        assert not marker.exists(), marker.read_text()
        assert tracer_pid(roots.pid) == 0
        assert not psutil.Process(server.proc.pid).children(), "the adapter started something"
        assert f"refused the connection of uid {STRANGER}" in server.log_file.read_text()
        assert f"refused the connection of uid {STRANGER}" in server.stderr()
        # The adapter serves on: its own user still gets in.
        own = _own_client(server)
        own.attach(roots.pid)
        assert tracer_pid(roots.pid) == server.proc.pid
        own.ok("disconnect")
        wait_until(lambda: tracer_pid(roots.pid) == 0, what="detached")
    finally:
        server.stop()


def _own_client(server: TcpAdapter) -> DapClient:
    """A connection of the test's own user (root), TCP or Unix."""
    if server.port is not None:
        client = server.connect()
    else:
        sock = socket.socket(socket.AF_UNIX)
        sock.connect(server.where[len("unix:") :])
        client = socket_client(sock)
    client.initialize()
    return client


def test_allow_user_lets_that_user_attach_to_root_processes_and_launch_as_itself(programs, other_users):
    """Fails when --allow-user is ignored (refused), when the peer's uid is misread
    (refused, or the program's ids are not the user's), and when the launched program
    keeps root's uid, groups, capabilities or environment."""
    python, directory = other_users
    roots = programs.start("seed", 0, 0, -1, wait_line="process:")
    server = _adapter(directory, "unix", "--allow-user", str(STRANGER))
    try:
        client = _connect(server, STRANGER, python)
        client.attach(roots.pid)  # attach to anything stays allowed: that is a root adapter's point
        assert tracer_pid(roots.pid) == server.proc.pid
        assert roots.pid in [t["id"] for t in client.ok("threads")["body"]["threads"]]
        client.ok("disconnect")
        wait_until(lambda: tracer_pid(roots.pid) == 0, what="detached")
        client.close()
        _as_stranger(*_identity_of_launched(_connect(server, STRANGER, python), directory))
    finally:
        server.stop()


def test_the_adapters_token_lets_another_user_in_and_a_wrong_one_does_not(programs, other_users):
    """Fails when the token is not checked (the wrong one gets in), not accepted (the
    right one is refused), printed more than once, or written to the log."""
    python, directory = other_users
    roots = programs.start("seed", 0, 0, -1, wait_line="process:")
    server = _adapter(directory, "tcp")
    try:
        tokens = wait_until(lambda: TOKEN_LINE.findall(server.stderr()), what="the token on stderr")
        assert len(tokens) == 1, server.stderr()
        token = tokens[0]
        wrong = {"pid": roots.pid, "token": token[:-1] + ("A" if token[-1] != "A" else "B")}
        _assert_refused(_connect(server, STRANGER, python), "attach", wrong, "is not the adapter's")
        assert tracer_pid(roots.pid) == 0
        client = _connect(server, STRANGER, python)
        client.attach(roots.pid, token=token)
        assert tracer_pid(roots.pid) == server.proc.pid
        client.ok("disconnect")
        wait_until(lambda: tracer_pid(roots.pid) == 0, what="detached")
        _as_stranger(*_identity_of_launched(_connect(server, STRANGER, python), directory, token=token))
        # The debug log records every message, but not the token, nor anything close to it.
        log = server.log_file.read_text()
        assert '"attach"' in log and token not in log and token[:-1] not in log
    finally:
        server.stop()


def test_launch_as_root_keeps_root_for_an_allowed_user(other_users):
    python, directory = other_users
    server = _adapter(directory, "tcp", "--allow-user", str(STRANGER), "--launch-as-root")
    try:
        status, written, owner = _identity_of_launched(_connect(server, STRANGER, python), directory)
        assert status["Uid"] == "0 0 0 0" and written.startswith("0 0 ") and owner == 0, (status, written)
    finally:
        server.stop()


def test_same_user_connections_work_with_no_new_flags(programs, other_users, tmp_path):
    """Root to a root adapter (TCP and Unix), and a non-root user to their own adapter over
    TCP, attach and launch as before; the non-root adapter refuses a third uid too."""
    python, directory = other_users
    roots = programs.start("seed", 0, 0, -1, wait_line="process:")
    for transport in ("tcp", "unix"):
        server = _adapter(tmp_path, transport)
        try:
            client = _own_client(server)
            client.attach(roots.pid)
            assert tracer_pid(roots.pid) == server.proc.pid
            client.ok("disconnect")
            wait_until(lambda: tracer_pid(roots.pid) == 0, what="detached")
            status, _, _ = _identity_of_launched(_own_client(server), tmp_path)
            assert status["Uid"] == "0 0 0 0", status["Uid"]
        finally:
            server.stop()

    theirs = programs.start("seed", 0, 0, -1, wait_line="process:", user=STRANGER, group=STRANGER)
    server = TcpAdapter(directory, "127.0.0.1:0", prefix=as_user(STRANGER), python=python, env=user_env())
    try:
        client = _connect(server, STRANGER, python)
        client.attach(theirs.pid)
        assert tracer_pid(theirs.pid) == server.proc.pid
        client.ok("disconnect")
        wait_until(lambda: tracer_pid(theirs.pid) == 0, what="detached")
        status, _, owner = _identity_of_launched(_connect(server, STRANGER, python), directory)
        assert status["Uid"].split()[0] == str(STRANGER) and owner == STRANGER
        third = python_for(TARGET_UID)
        assert third is not None
        _assert_refused(_connect(server, TARGET_UID, third), "attach", {"pid": theirs.pid}, f"uid {TARGET_UID}")
        assert tracer_pid(theirs.pid) == 0
    finally:
        server.stop()


def test_token_file_is_created_0600_read_back_and_refused_when_another_could_know_it(tmp_path):
    """Fails when the file is created with the umask's mode, when its token is printed,
    or when a token another user could have read or planted is used."""
    path = tmp_path / "token"
    server = TcpAdapter(tmp_path, args=["--token-file", str(path)], umask=0)
    wait_until(lambda: "token created in" in server.stderr(), what="where the token is, on stderr")
    server.stop()
    assert mode_of(path) == 0o600, oct(mode_of(path))
    token = path.read_text().strip()
    assert len(token) >= 32 and token not in server.stderr(), server.stderr()
    assert not TOKEN_LINE.search(server.stderr())

    def refusal() -> str:
        done = subprocess.run(
            [sys.executable, "-m", "dap_threads", "--listen", "127.0.0.1:0", "--token-file", str(path)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2, done.stderr
        return done.stderr

    path.chmod(0o644)
    assert "chmod 600" in refusal()
    path.chmod(0o600)
    os.chown(path, STRANGER, STRANGER)
    assert f"belongs to uid {STRANGER}" in refusal()
    path.unlink()
    path.symlink_to(tmp_path / "elsewhere")
    assert "symbolic link" in refusal()
