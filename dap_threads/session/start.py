"""attach and launch: how a session gets its program.

A program starts running only once configurationDone is answered (DAP
"Launch Sequencing"), so that catchpoints the client sets while configuring
catch from its first instruction. An ``attach`` to a forked child that this
adapter holds (followFork "both": the child session the client started on
``startDebugging``) takes the child over instead of seizing it.
"""

from __future__ import annotations

import os
from typing import Any

from ..dap import messages as m
from ..dap.requests import ErrorIds, RequestError, request
from ..engine.attach import PROGRESS_ABOVE_THREADS
from ..engine.attach import attach as engine_attach
from ..engine.errors import EngineError
from ..engine.events import AllStopped
from ..engine.fork import held_child
from ..engine.launch import Launched
from ..engine.launch import launch as engine_launch
from ..engine.output import OutputPump
from ..engine.permission import PermissionDenied, root_adapter_command, user_name
from ..engine.run_as import RunAs
from .progress import Progress
from .session import Session
from .terminal import launch_in_terminal, terminal_kind


@request("attach", m.AttachArguments)
async def attach(session: Session, args: m.AttachArguments) -> None:
    _refuse_second_program(session)
    pid = _pid_argument(args)
    session.following.configure(args.followFork, args.followExec)
    child = held_child(pid)
    if child is not None:
        # A forked child this adapter holds for a session of its own: take it, and let it run once configured.
        tracer = child.take(session.reaper, session.loop)
        session.start_tracing(tracer, launched=False)
        session.send_process_event(pid, "attach")
        if args.stopOnAttach:
            tracer.stop_all(announce=AllStopped("pause", pid))
        else:
            session.when_configured(tracer.resume)
        return None
    progress = AttachProgress(session, pid)
    try:
        tracer = engine_attach(pid, session.reaper, session.loop, progress)
    except EngineError as exc:
        progress.end("failed")
        if isinstance(exc, PermissionDenied):
            raise permission_error(exc) from None
        raise RequestError(str(exc) + _child_session_hint(args)) from None
    progress.end(f"{len(tracer.live_threads())} threads")
    session.start_tracing(tracer, launched=False)
    session.send_process_event(pid, "attach")
    if args.stopOnAttach:
        tracer.stop_all(announce=AllStopped("pause", pid))
    return None


@request("launch", m.LaunchArguments)
async def launch(session: Session, args: m.LaunchArguments) -> None:
    _refuse_second_program(session)
    session.following.configure(args.followFork, args.followExec)
    kind = terminal_kind(session, args)
    launched = await (launch_in_terminal(session, args, kind) if kind is not None else _launch_here(session, args))
    tracer = launched.tracer
    session.start_tracing(tracer, launched=True)
    for fd, stream in ((launched.stdout_fd, "stdout"), (launched.stderr_fd, "stderr")):
        if fd is not None:
            session.pumps.append(OutputPump(session.loop, fd, stream, session.on_output))
    session.send_process_event(tracer.pid, "launch")
    if args.stopOnEntry:
        # It is already held at its first instruction (the exec stop).
        tracer.stop_all(announce=AllStopped("entry", tracer.pid))
    else:
        session.when_configured(tracer.resume)
    return None


async def _launch_here(session: Session, args: m.LaunchArguments) -> Launched:
    """Fork and exec the program ourselves: its output becomes output events, its stdin is empty."""
    run_as = _launch_user(session)
    try:
        return await engine_launch(
            args.program,
            args.args,
            cwd=args.cwd,
            env=args.env,
            capture_output=True,
            reaper=session.reaper,
            loop=session.loop,
            run_as=run_as,
        )
    except EngineError as exc:
        raise RequestError(str(exc)) from None


class AttachProgress:
    """Progress events while attaching to a process of more than PROGRESS_ABOVE_THREADS threads."""

    def __init__(self, session: Session, pid: int) -> None:
        self._session = session
        self._pid = pid
        self._progress: Progress | None = None

    def __call__(self, seized: int, found: int) -> None:
        if self._progress is None:
            if found <= PROGRESS_ABOVE_THREADS:
                return
            self._progress = Progress(
                self._session, f"Attaching to process {self._pid}", total=found, message=f"{found} threads"
            )
        self._progress.update(seized, f"{seized} of {found} threads", total=found)

    def end(self, message: str) -> None:
        if self._progress is not None:
            self._progress.end(message)


def _child_session_hint(args: m.AttachArguments) -> str:
    """For a child session that reached another adapter than the one holding its child."""
    if args.debugServer is None:
        return ""
    return (
        f'; this is a child session (followFork "both"): its process is held by the dap-threads adapter '
        f"listening on 127.0.0.1:{args.debugServer}, and only a session of that adapter can take it over. "
        f"Have the client connect there (VS Code does; nvim-dap: the README's adapter function)"
    )


def _launch_user(session: Session) -> RunAs | None:
    """A root adapter launches for a non-root client as that client: never a way into root."""
    uid = session.gate.launch_uid()
    if uid is None:
        return None
    run_as = RunAs.for_uid(uid)
    session.protocol.send_event(
        "output",
        m.OutputEventBody(
            category="console",
            output=f"dap-threads: running the program as {run_as.describe()}, the user of this connection "
            f"(the adapter runs as root; start it with --launch-as-root to keep root)\n",
        ),
    )
    return run_as


def permission_error(exc: PermissionDenied) -> RequestError:
    """The kernel's refusal, marked for an editor that offers a way out (restart the adapter as root, ...)."""
    return RequestError(
        str(exc),
        error_id=ErrorIds.PTRACE_PERMISSION,
        variables={
            "pid": str(exc.pid),
            "cause": exc.cause,
            "scope": "" if exc.scope is None else str(exc.scope),
            "user": user_name(os.geteuid()) or str(os.geteuid()),
            "rootCommand": root_adapter_command(os.geteuid()),
        },
    )


def _refuse_second_program(session: Session) -> None:
    tracer = session.active_tracer
    if tracer is not None:
        raise RequestError(
            f"this session already debugs process {tracer.pid}; disconnect first, "
            f"or start another debug session for a second program"
        )


def _pid_argument(args: m.AttachArguments) -> int:
    value: Any = args.pid if args.pid is not None else args.processId
    if value is None:
        raise RequestError("attach needs 'pid': the id of the process to attach to (e.g. {\"pid\": 1234})")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())  # processId from a process picker may be a string
    if type(value) is not int:
        raise RequestError(f"attach: 'pid' must be an integer process id, got {value!r}")
    if not 0 < value < 2**31:
        raise RequestError(f"attach: {value} is not a valid process id (it must be between 1 and 2147483647)")
    return value
