"""Starting a program under trace, from its first instruction.

The child is forked by the ptrace owner and waits on a pipe; the owner seizes
it (so it is a PTRACE_SEIZE tracee, which PTRACE_INTERRUPT and PTRACE_LISTEN
need), then lets it exec. The exec stops it in PTRACE_EVENT_EXEC before the
program's first instruction, so no thread can be created unseen. A program run
for another user (``run_as``) takes on that user between the seize and the
exec: the seize needs no privilege over it, and the program never runs as us.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Sequence
from typing import NoReturn

from . import ptrace
from .errors import LaunchError
from .owner import on_ptrace_owner
from .reaper import Reaper
from .run_as import RunAs
from .tracer import BASE_OPTIONS, Tracer
from .waitstatus import Kind, classify


def resolve_program(program: str, cwd: str | None) -> str:
    """The executable's path; LaunchError says what is wrong with it."""
    if not program:
        raise LaunchError("'program' is empty: give the path of the executable to launch")
    if "/" in program:
        path = program if os.path.isabs(program) else os.path.join(cwd or os.getcwd(), program)
    else:
        import shutil  # here: ~2 ms of start-up for a name that needs a PATH search

        found = shutil.which(program)
        if found is None:
            raise LaunchError(f"program {program!r} was not found in PATH; give its full path")
        path = found
    if not os.path.exists(path):
        raise LaunchError(f"program {path!r} does not exist")
    if os.path.isdir(path):
        raise LaunchError(f"program {path!r} is a directory, not an executable")
    if not os.access(path, os.X_OK):
        raise LaunchError(f"program {path!r} is not executable (chmod +x it)")
    return path


class Launched:
    """The result of a launch: the tracer, and the pipes of the program's output (if captured)."""

    def __init__(self, tracer: Tracer, stdout_fd: int | None, stderr_fd: int | None) -> None:
        self.tracer = tracer
        self.stdout_fd = stdout_fd
        self.stderr_fd = stderr_fd


@on_ptrace_owner
async def launch(
    program: str,
    args: Sequence[str],
    *,
    cwd: str | None,
    env: dict[str, str] | None,
    capture_output: bool,
    reaper: Reaper,
    loop: asyncio.AbstractEventLoop,
    run_as: RunAs | None = None,
) -> Launched:
    """Fork, seize and exec ``program`` (as ``run_as`` if given); returns with it held at its first instruction."""
    path = resolve_program(program, cwd)
    if cwd is not None and not os.path.isdir(cwd):
        raise LaunchError(f"cwd {cwd!r} is not a directory")
    argv = [program, *args]
    environ = dict(os.environ) if run_as is None else run_as.environment(os.environ)
    environ.update(env or {})
    child = _fork_waiting_child(_ChildPlan(path, argv, environ, cwd, run_as), capture_output)

    tracer = Tracer(child.pid, reaper, loop)
    # EXITKILL only for a launched program: it is ours, and ends with us.
    ptrace.seize(child.pid, BASE_OPTIONS | ptrace.PTRACE_O_EXITKILL)
    first = loop.create_future()
    reaper.register(child.pid, _FirstStop(first))
    os.write(child.go_fd, b"x")
    os.close(child.go_fd)
    status = await first
    kind, _ = classify(status)
    if kind is not Kind.EXEC:
        reaper.unregister(child.pid)
        if kind is not Kind.EXITED:
            os.kill(child.pid, signal.SIGKILL)  # EXITKILL's SIGKILL cannot be stopped; waitpid reaps it
        failure = _read_all(child.error_fd).decode(errors="replace")
        child.close_all()
        raise LaunchError(f"could not start {path!r}: {failure or f'status {status:#x}'}")
    os.close(child.error_fd)
    thread = tracer.adopt(child.pid, want_running=False)
    thread.stopped = True
    return Launched(tracer, child.stdout_fd, child.stderr_fd)


class _Child:
    """A forked child waiting to exec, and our ends of its pipes."""

    def __init__(self, pid: int, go_fd: int, error_fd: int, stdout_fd: int | None, stderr_fd: int | None) -> None:
        self.pid = pid
        self.go_fd = go_fd
        self.error_fd = error_fd
        self.stdout_fd = stdout_fd
        self.stderr_fd = stderr_fd

    def close_all(self) -> None:
        for fd in (self.error_fd, self.stdout_fd, self.stderr_fd):
            if fd is not None:
                os.close(fd)


class _ChildPlan:
    """What the child execs, where, and as whom."""

    def __init__(
        self, path: str, argv: list[str], environ: dict[str, str], cwd: str | None, run_as: RunAs | None
    ) -> None:
        self.path = path
        self.argv = argv
        self.environ = environ
        self.cwd = cwd
        self.run_as = run_as


def _fork_waiting_child(plan: _ChildPlan, capture_output: bool) -> _Child:
    go_r, go_w = os.pipe()
    err_r, err_w = os.pipe2(os.O_CLOEXEC)
    out = os.pipe2(os.O_CLOEXEC) if capture_output else None
    err = os.pipe2(os.O_CLOEXEC) if capture_output else None
    pid = os.fork()
    if pid == 0:  # the child: only the few calls exec needs, then exec
        _child(go_r, go_w, err_w, out, err, plan)
    for fd in (go_r, err_w, out[1] if out else None, err[1] if err else None):
        if fd is not None:
            os.close(fd)
    return _Child(pid, go_w, err_r, out[0] if out else None, err[0] if err else None)


class _FirstStop:
    """Catches the launched child's first report (its exec, or its death)."""

    def __init__(self, future: asyncio.Future[int]) -> None:
        self._future = future

    def on_wait_status(self, tid: int, status: int) -> None:
        if not self._future.done():
            self._future.set_result(status)

    def on_clone_resumed(self, tid: int, child: int) -> None:
        pass  # never: the helper resumes only the threads a tracer marked running

    def publish(self) -> None:
        pass


def _child(
    go_r: int,
    go_w: int,
    err_w: int,
    out: tuple[int, int] | None,
    err: tuple[int, int] | None,
    plan: _ChildPlan,
) -> NoReturn:  # pragma: no cover - runs in the fork
    try:
        os.close(go_w)
        os.read(go_r, 1)  # wait until the parent has seized us
        os.close(go_r)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        if out:
            os.dup2(out[1], 1)
        if err:
            os.dup2(err[1], 2)
        if plan.run_as is not None:
            plan.run_as.become()
        # After the drop, so the directory is entered with the program's own rights.
        if plan.cwd:
            os.chdir(plan.cwd)
        elif plan.run_as is not None:
            _enter_first_reachable(os.getcwd(), plan.run_as.home, "/")
        # The adapter ignores nothing the program should see: restore defaults.
        for sig in (signal.SIGPIPE, signal.SIGINT, signal.SIGCHLD, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, set())
        os.execve(plan.path, plan.argv, plan.environ)
    except BaseException as exc:
        try:
            os.write(err_w, f"{type(exc).__name__}: {exc}".encode())
        finally:
            os._exit(127)
    os._exit(127)


def _enter_first_reachable(*directories: str) -> None:  # pragma: no cover - runs in the fork
    """The adapter's directory if this user may enter it, else their home, else /."""
    for directory in directories:
        try:
            os.chdir(directory)
            return
        except OSError:
            continue


def _read_all(fd: int) -> bytes:
    chunks = []
    os.set_blocking(fd, False)
    while True:
        try:
            chunk = os.read(fd, 4096)
        except BlockingIOError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)
