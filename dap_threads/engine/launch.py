"""Starting a program under trace, from its first instruction.

The child is forked by the ptrace owner and waits on a pipe; the owner seizes
it (so it is a PTRACE_SEIZE tracee, which PTRACE_INTERRUPT and PTRACE_LISTEN
need), then lets it exec. The exec stops it in PTRACE_EVENT_EXEC before the
program's first instruction, so no thread can be created unseen. A program run
for another user (``run_as``) takes on that user between the seize and the
exec: the seize needs no privilege over it, and the program never runs as us.
A syscall trace may install its seccomp filter there too (``syscalls.seccomp``).
"""

from __future__ import annotations

import asyncio
import errno
import os
import signal
from collections.abc import Callable, Sequence
from typing import NoReturn

from . import ptrace
from .errors import LaunchError
from .handoff import HandedOff
from .owner import on_ptrace_owner
from .permission import explain
from .reaper import Reaper
from .run_as import RunAs
from .syscalls.seccomp import install as install_seccomp
from .tracer import BASE_OPTIONS, Tracer
from .waitstatus import Kind, classify, exit_description


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
    seccomp: bytes | None = None,
    keep_stdin: bool = False,
) -> Launched:
    """Fork, seize and exec ``program`` (as ``run_as`` if given); returns with it held at its first instruction.

    Its stdin is /dev/null unless ``keep_stdin`` (the terminal front end's ``run``, where the
    program reads the terminal as it would without us). ``seccomp``: a filter program
    (``syscalls.seccomp.build``) installed just before the exec.
    """
    path = resolve_program(program, cwd)
    if cwd is not None and not os.path.isdir(cwd):
        raise LaunchError(f"cwd {cwd!r} is not a directory")
    argv = [program, *args]
    environ = dict(os.environ) if run_as is None else run_as.environment(os.environ)
    environ.update(env or {})
    child = _fork_waiting_child(_ChildPlan(path, argv, environ, cwd, run_as, keep_stdin, seccomp), capture_output)

    # A seccomp filter's RET_TRACE calls need PTRACE_O_TRACESECCOMP, or they fail with ENOSYS.
    options = ptrace.PTRACE_O_TRACESECCOMP if seccomp else 0
    try:
        status = await _seize_until_exec(child.pid, lambda: _release(child.go_fd), reaper, loop, options)
    except OSError as exc:
        os.kill(child.pid, signal.SIGKILL)
        os.waitpid(child.pid, 0)
        os.close(child.go_fd)
        child.close_all()
        raise LaunchError(f"could not trace the program it started: {exc.strerror}") from None
    if status is not None:
        failure = _read_all(child.error_fd).decode(errors="replace")
        child.close_all()
        raise LaunchError(f"could not start {path!r}: {failure or f'status {status:#x}'}")
    os.close(child.error_fd)
    tracer = _adopt_exec_stopped(child.pid, reaper, loop)
    return Launched(tracer, child.stdout_fd, child.stderr_fd)


@on_ptrace_owner
async def launch_handed_off(handed: HandedOff, path: str, reaper: Reaper, loop: asyncio.AbstractEventLoop) -> Launched:
    """Seize a launcher waiting in a terminal and let it exec ``path``; returns with it held at its first instruction.

    The program keeps the terminal's stdin, stdout and stderr: nothing is captured.
    """
    try:
        status = await _seize_until_exec(handed.pid, handed.go, reaper, loop)
    except OSError as exc:
        reason = (
            str(explain(handed.pid))
            if exc.errno == errno.EPERM
            else f"could not trace the launcher (pid {handed.pid}): {exc.strerror}"
        )
        handed.abort(reason)
        raise LaunchError(reason) from None
    if status is not None:
        said = handed.failure()
        handed.close()
        raise LaunchError(f"could not start {path!r} in the terminal: {said or exit_description(status)}")
    handed.close()
    return Launched(_adopt_exec_stopped(handed.pid, reaper, loop), None, None)


async def _seize_until_exec(
    pid: int,
    release: Callable[[], None],
    reaper: Reaper,
    loop: asyncio.AbstractEventLoop,
    extra_options: int = 0,
) -> int | None:
    """Seize ``pid``, ``release`` it, and wait for its exec: None once it is held there, else its exit status.

    Raises OSError when the seize is refused (then nothing was released).
    """
    # EXITKILL only for a launched program: it is ours, and ends with us.
    ptrace.seize(pid, BASE_OPTIONS | ptrace.PTRACE_O_EXITKILL | extra_options)
    first: asyncio.Future[int] = loop.create_future()
    reaper.register(pid, _UntilExec(first))
    release()
    status = await first
    if classify(status)[0] is Kind.EXEC:
        return None
    reaper.unregister(pid)
    if classify(status)[0] is not Kind.EXITED:
        os.kill(pid, signal.SIGKILL)  # EXITKILL's SIGKILL cannot be stopped; waitpid reaps it
    return status


def _adopt_exec_stopped(pid: int, reaper: Reaper, loop: asyncio.AbstractEventLoop) -> Tracer:
    tracer = Tracer(pid, reaper, loop)
    thread = tracer.adopt(pid, want_running=False)
    thread.stopped = True
    return tracer


def _release(go_fd: int) -> None:
    os.write(go_fd, b"x")
    os.close(go_fd)


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
    """What the child execs, where, as whom, whether it keeps our stdin, and under which seccomp filter."""

    def __init__(
        self,
        path: str,
        argv: list[str],
        environ: dict[str, str],
        cwd: str | None,
        run_as: RunAs | None,
        keep_stdin: bool = False,
        seccomp: bytes | None = None,
    ) -> None:
        self.path = path
        self.argv = argv
        self.environ = environ
        self.cwd = cwd
        self.run_as = run_as
        self.keep_stdin = keep_stdin
        self.seccomp = seccomp


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


class _UntilExec:
    """Catches the launched child's exec (or its death), passing on what comes before.

    Between the seize and the exec the child may get a signal (a terminal's
    SIGWINCH, a Ctrl-C) or a job-control stop: those are delivered as if we
    were not there, and the wait goes on (man 2 ptrace, "Signal-delivery-stop").
    """

    def __init__(self, future: asyncio.Future[int]) -> None:
        self._future = future

    def on_wait_status(self, tid: int, status: int) -> None:
        kind, sig = classify(status)
        if kind is Kind.SECCOMP:
            # Our own execve, handed over by a filter that traces execve: not the program's yet.
            with ptrace.tracee_may_be_gone():
                ptrace.cont(tid, 0)
        elif kind is Kind.SIGNAL and not self._future.done():
            with ptrace.tracee_may_be_gone():
                ptrace.cont(tid, sig)
        elif kind in (Kind.GROUP_STOP, Kind.EVENT_STOP) and not self._future.done():
            with ptrace.tracee_may_be_gone():
                ptrace.cont(tid, 0)
        elif not self._future.done():
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
        if not plan.keep_stdin:
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
        if plan.seccomp is not None:
            install_seccomp(plan.seccomp)
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
