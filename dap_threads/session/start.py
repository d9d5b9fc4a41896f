"""attach and launch: how a session gets its program."""

from __future__ import annotations

import os
from typing import Any

from ..dap import messages as m
from ..dap.requests import RequestError, request
from ..engine import procfs
from ..engine.attach import attach as engine_attach
from ..engine.errors import EngineError
from ..engine.events import AllStopped
from ..engine.launch import launch as engine_launch
from ..engine.output import OutputPump
from ..engine.run_as import RunAs
from .session import Session
from .thread_pane import pane_options


@request("attach", m.AttachArguments)
async def attach(session: Session, args: m.AttachArguments) -> None:
    _refuse_second_program(session)
    pid = _pid_argument(args)
    pane = pane_options(args)
    try:
        tracer = engine_attach(pid, session.reaper, session.loop)
    except EngineError as exc:
        raise RequestError(str(exc)) from None
    session.start_tracing(tracer, launched=False, pane=pane)
    _send_process_event(session, pid, "attach")
    if args.stopOnAttach:
        tracer.stop_all(announce=AllStopped("pause", pid))
    return None


@request("launch", m.LaunchArguments)
async def launch(session: Session, args: m.LaunchArguments) -> None:
    _refuse_second_program(session)
    pane = pane_options(args)
    run_as = _launch_user(session)
    try:
        launched = await engine_launch(
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
    tracer = launched.tracer
    session.start_tracing(tracer, launched=True, pane=pane)
    for fd, stream in ((launched.stdout_fd, "stdout"), (launched.stderr_fd, "stderr")):
        if fd is not None:
            session.pumps.append(OutputPump(session.loop, fd, stream, session.on_output))
    _send_process_event(session, tracer.pid, "launch")
    if args.stopOnEntry:
        # It is already held at its first instruction (the exec stop).
        tracer.stop_all(announce=AllStopped("entry", tracer.pid))
    else:
        tracer.resume()
    return None


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


def _send_process_event(session: Session, pid: int, how: str) -> None:
    name = procfs.process_name(pid) or str(pid)
    try:
        name = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        pass
    session.protocol.send_event(
        "process",
        m.ProcessEventBody(name=name, systemProcessId=pid, isLocalProcess=True, startMethod=how, pointerSize=64),
    )
