"""Helpers for the reliability suite: untraced baselines, event accounting, a TCP adapter, other uids.

Everything here drives real processes; nothing is mocked. The fixtures of
``tests/conftest.py`` (``adapter``, ``dap``, ``programs``) are used as they are.
"""

from __future__ import annotations

import collections
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from dap_client import DapClient, tcp_client
from procs import REPO, program, thread_states, tracer_pid, wait_until

#: A thread in ptrace-stop shows "t" in /proc/PID/task/TID/stat; a group-stop of an untraced one "T".
HELD = "t"
DEAD = {"Z", "X"}


# ----- the program as it behaves without us -------------------------------------------


def untraced(
    name: str, *args: object, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a testdata program without any tracer: the reference for its output and status."""
    return subprocess.run(
        [program(name), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=None if env is None else {**os.environ, **env},
    )


def stdout_of(client: DapClient) -> str:
    return "".join(m["body"]["output"] for m in client.events("output") if m["body"].get("category") == "stdout")


def stderr_of(client: DapClient) -> str:
    return "".join(m["body"]["output"] for m in client.events("output") if m["body"].get("category") == "stderr")


def launch_to_end(client: DapClient, name: str, *args: object, timeout: float = 120, **arguments) -> tuple[str, int]:
    """Launch a testdata program under trace, wait for its end; (stdout, exit code)."""
    client.launch(program(name), [str(a) for a in args], **arguments)
    code = client.wait_event("exited", timeout=timeout)["body"]["exitCode"]
    client.wait_event("terminated", timeout=10)
    return stdout_of(client), code


# ----- exactly-once accounting ---------------------------------------------------------


def thread_history(client: DapClient) -> dict[int, list[str]]:
    """tid -> the reasons of its `thread` events, in wire order."""
    history: dict[int, list[str]] = collections.defaultdict(list)
    for message in client.events("thread"):
        history[message["body"]["threadId"]].append(message["body"]["reason"])
    return dict(history)


def assert_exactly_once(client: DapClient, *, ended: bool) -> dict[int, list[str]]:
    """Each lifetime of a tid is one `started` then one `exited`, never two in a row.

    A tid may legitimately live twice (the kernel recycles tids: a 20,000-thread
    storm wraps around pid_max=32768), so the rule is per tid: the reasons
    alternate, starting with `started`; once the program has ended, the last is
    `exited` (no thread left over).
    """
    history = thread_history(client)
    bad = {}
    for tid, reasons in history.items():
        expected = ["started", "exited"] * (len(reasons) // 2 + 1)
        if reasons != expected[: len(reasons)] or (ended and reasons[-1] != "exited"):
            bad[tid] = reasons
    assert not bad, f"thread events not exactly-once for {len(bad)} tids, e.g. {dict(list(bad.items())[:5])}"
    return history


def started_counts(client: DapClient) -> collections.Counter[int]:
    return collections.Counter(client.thread_events("started"))


# ----- states of the traced program ----------------------------------------------------


def states_now(pid: int) -> dict[int, str]:
    try:
        return thread_states(pid)
    except FileNotFoundError:
        return {}


def all_held(pid: int) -> bool:
    """Every thread of pid sits in a ptrace-stop (dead ones aside)."""
    states = states_now(pid)
    return bool(states) and all(s == HELD or s in DEAD for s in states.values())


def none_held(pid: int) -> bool:
    """No thread of pid is in a ptrace-stop and nobody traces it."""
    try:
        return tracer_pid(pid) == 0 and HELD not in states_now(pid).values()
    except FileNotFoundError:
        return True


def wait_detached(pid: int, timeout: float = 10) -> None:
    wait_until(lambda: none_held(pid), timeout=timeout, what=f"process {pid} untraced and not held")


def in_signal_delivery_stop(pid: int) -> list[int]:
    """Threads of pid held in a signal-delivery-stop: the signal is dequeued and exists
    only in the tracer's hands (man 2 ptrace: a signal not re-injected is suppressed).

    Read from the kernel stack (/proc/PID/task/TID/stack, root only): such a stop is
    ptrace_stop called straight from get_signal; event stops (PTRACE_EVENT_STOP of an
    interrupt, clone, group-stop) go through ptrace_do_notify.
    """
    found = []
    for tid in states_now(pid):
        try:
            frames = Path(f"/proc/{pid}/task/{tid}/stack").read_text().split()
        except OSError:
            continue
        names = [f.split("+")[0] for f in frames if "+" in f]
        if names[:2] == ["ptrace_stop", "get_signal"]:
            found.append(tid)
    return found


def kernel_stacks_readable() -> bool:
    try:
        return bool(Path(f"/proc/{os.getpid()}/stack").read_text().strip())
    except OSError:
        return False


def progress(pid: int) -> int:
    """Context switches of all threads of pid: grows while the program does anything."""
    total = 0
    for tid in states_now(pid):
        try:
            text = Path(f"/proc/{pid}/task/{tid}/status").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.endswith("ctxt_switches:") or "ctxt_switches:" in line:
                total += int(line.split()[1])
    return total


def finish(proc: subprocess.Popen[str], timeout: float = 90, stall: float = 3.0) -> tuple[str, str]:
    """Wait for proc's end, failing fast when it stops making progress (a lost signal or
    a thread left stopped shows as a program that sleeps forever)."""
    deadline = time.monotonic() + timeout
    last, since = -1, time.monotonic()
    while proc.poll() is None:
        now = time.monotonic()
        value = progress(proc.pid)
        if value != last:
            last, since = value, now
        elif now - since > stall:
            states = states_now(proc.pid)
            proc.kill()
            out, err = proc.communicate()
            raise AssertionError(
                f"program {proc.pid} stalled for {stall} s (states {states}); "
                f"stdout {out[-300:]!r} stderr {err[-300:]!r}"
            )
        if now > deadline:
            proc.kill()
            raise AssertionError(f"program {proc.pid} did not end within {timeout} s")
        time.sleep(0.1)
    return proc.communicate()


def pause(client: DapClient, tid: int, timeout: float = 10) -> dict:
    """pause, then the `stopped` event that answers it (not an earlier one)."""
    mark = len(client.received)
    client.ok("pause", {"threadId": tid}, timeout=timeout)
    return client.wait_for(
        lambda m: m.get("event") == "stopped", start=mark, timeout=timeout, what="stopped event after pause"
    )


def live_tids(client: DapClient, timeout: float = 10) -> list[int]:
    return [t["id"] for t in client.ok("threads", timeout=timeout)["body"]["threads"]]


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def log_errors(path: Path) -> list[str]:
    """ERROR/CRITICAL lines of an adapter log (tracebacks start with one)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return []
    return [line for line in text.splitlines() if re.search(r" (ERROR|CRITICAL) ", line)]


# ----- storm with its per-thread record delivered through a FIFO ------------------------


class StormRecord:
    """STORM_TIMESTAMPS pointing at a FIFO: storm's main blocks in fopen() after its
    last thread is joined and its result printed, so the test can look at the
    adapter's thread list while the program is still alive, then collect
    "index tid start_ns" for every thread."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "storm.fifo"
        os.mkfifo(self.path)

    @property
    def env(self) -> dict[str, str]:
        return {"STORM_TIMESTAMPS": str(self.path)}

    def collect(self) -> list[tuple[int, int, int]]:
        """Open the reading end (storm's fopen returns), read every line until storm closes it."""
        with open(self.path) as fifo:
            text = fifo.read()
        rows = [tuple(map(int, line.split())) for line in text.splitlines() if line.strip()]
        return rows  # type: ignore[return-value]

    def release(self) -> None:
        """Unblock storm if a test failed before collect() (a non-blocking reader that goes away at once)."""
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
            os.close(fd)
        except OSError:
            pass


# ----- the adapter over TCP --------------------------------------------------------------


class TcpAdapter:
    """``python -m dap_threads --listen ADDRESS``: one server, a session per connection."""

    def __init__(
        self,
        directory: Path,
        address: str = "127.0.0.1:0",
        *,
        prefix: Iterable[str] = (),
        python: str = sys.executable,
        env: dict[str, str] | None = None,
        umask: int | None = None,
        args: Iterable[str] = (),
    ) -> None:
        self.log_file = directory / f"adapter-tcp-{time.monotonic_ns()}.log"
        self.stderr_path = directory / f"adapter-tcp-{time.monotonic_ns()}.stderr"
        self._stderr = open(self.stderr_path, "wb")
        preexec = (lambda: os.umask(umask)) if umask is not None else None
        self.proc = subprocess.Popen(
            [
                *prefix,
                python,
                "-m",
                "dap_threads",
                "--listen",
                address,
                "--log-file",
                str(self.log_file),
                "--log-level",
                "debug",
                *args,
            ],
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
            env=env,
            preexec_fn=preexec,
        )
        self.first_line = wait_until(self._listening_line, timeout=20, what="'listening on' on stderr")
        match = re.fullmatch(r"dap-threads: listening on (\S+)", self.first_line.strip())
        assert match, self.first_line
        self.where = match.group(1)
        self.port = int(self.where.rsplit(":", 1)[1]) if not self.where.startswith("unix:") else None

    def _listening_line(self) -> str | None:
        if self.proc.poll() is not None:
            raise AssertionError(f"adapter exited with {self.proc.returncode}: {self.stderr()}")
        for line in self.stderr().splitlines():
            if line.startswith("dap-threads: listening on "):
                return line
        return None

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def connect(self) -> DapClient:
        assert self.port is not None
        return tcp_client(self.port)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            wait_or_kill(self.proc)
        self._stderr.close()


def wait_or_kill(proc: subprocess.Popen, timeout: float = 10) -> None:
    """Give ``proc`` ``timeout`` seconds to end by itself, then SIGKILL it."""
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# ----- other users ---------------------------------------------------------------------

#: Uids no account uses, so that nothing else on the machine runs as them.
ADAPTER_UID = 61234
TARGET_UID = 61235


def as_user(uid: int) -> list[str]:
    return ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"]


def python_for(uid: int) -> str | None:
    """An interpreter that ``uid`` may run and that imports the adapter from this checkout."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        return None
    for candidate in (sys.executable, f"/usr/bin/python{sys.version_info[0]}.{sys.version_info[1]}"):
        if not os.path.exists(candidate):
            continue
        probe = subprocess.run(
            [*as_user(uid), candidate, "-c", "import dap_threads.cli.main, dap_threads.session"],
            cwd=REPO,
            capture_output=True,
            env=user_env(),
            timeout=60,
        )
        if probe.returncode == 0:
            return candidate
    return None


def user_env() -> dict[str, str]:
    import sysconfig

    paths = sysconfig.get_paths()
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), paths["purelib"], paths["platlib"]]),
        "HOME": "/nonexistent",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def shared_dir() -> Path:
    """A directory every uid may write (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="dap-threads-reliability-"))
    path.chmod(0o1777)
    return path


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


class UserAdapter:
    """The stdio adapter run as another (non-root) uid, the way a normal user runs it."""

    def __init__(self, uid: int, python: str, log_dir: Path) -> None:
        from dap_client import DapClient as _Client

        self.log_file = log_dir / f"adapter-uid{uid}-{time.monotonic_ns()}.log"
        self.stderr_path = log_dir / f"adapter-uid{uid}-{time.monotonic_ns()}.stderr"
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            [*as_user(uid), python, "-m", "dap_threads", "--log-file", str(self.log_file), "--log-level", "debug"],
            cwd=REPO,
            env=user_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )

        def write(data: bytes) -> None:
            self.proc.stdin.write(data)  # type: ignore[union-attr]
            self.proc.stdin.flush()  # type: ignore[union-attr]

        def close() -> None:
            try:
                self.proc.stdin.close()  # type: ignore[union-attr]
            except OSError:
                pass

        self.client = _Client(self.proc.stdout, write, close)

    def stop(self) -> None:
        self.client.close()
        wait_or_kill(self.proc)
        self._stderr.close()


#: Run as another uid: connect to ADDRESS ("unix:PATH" or "HOST:PORT") and hand the
#: connected socket to the test through the inherited Unix socket FD (SCM_RIGHTS).
_CONNECT_AND_HAND_OVER = """
import socket, sys
address, fd = sys.argv[1], int(sys.argv[2])
if address.startswith("unix:"):
    s = socket.socket(socket.AF_UNIX)
    s.connect(address[5:])
else:
    host, _, port = address.rpartition(":")
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    s.connect((host.strip("[]"), int(port)))
socket.send_fds(socket.socket(fileno=fd), [b"s"], [s.fileno()])
"""


def connect_as(uid: int, python: str, address: str) -> socket.socket:
    """A socket connected to ``address`` by a process of ``uid``.

    The kernel knows the connection as that user's (SO_PEERCRED is taken at
    connect(), and a TCP socket's owner at its creation), so the adapter sees
    what it would see if that user's editor had connected; the test drives it
    with its own DAP client.
    """
    ours, theirs = socket.socketpair()
    with ours:
        with theirs:
            done = subprocess.run(
                [*as_user(uid), python, "-c", _CONNECT_AND_HAND_OVER, address, str(theirs.fileno())],
                pass_fds=[theirs.fileno()],
                capture_output=True,
                text=True,
                env=user_env(),
                timeout=30,
            )
        assert done.returncode == 0, f"uid {uid} could not connect to {address}: {done.stderr}"
        _, fds, _, _ = socket.recv_fds(ours, 1, 1)
    return socket.socket(fileno=fds[0])
