"""launch with ``console: "integratedTerminal" | "externalTerminal"``: the program runs in the editor's terminal.

The adapter asks the client to run our launcher there (DAP ``runInTerminal``);
the launcher connects back, we seize it, and it execs the program, which so
keeps the terminal as its stdin, stdout and stderr, byte for byte, and is
traced from its first instruction (``engine.handoff``, ``dap_threads.launcher``).
The names are those cppdbg and lldb-dap users know.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path

from ..dap import messages as m
from ..dap.requests import RequestError
from ..dap.reverse import ReverseRequestError
from ..engine.errors import EngineError
from ..engine.handoff import HandedOff, HandoffListener
from ..engine.launch import Launched, launch_handed_off, resolve_program
from .session import Session

log = logging.getLogger(__name__)

#: launch's ``console`` values, and the runInTerminal ``kind`` each asks for (None: we start it ourselves)
CONSOLES: dict[str, str | None] = {
    "internalConsole": None,
    "integratedTerminal": "integrated",
    "externalTerminal": "external",
}

#: How long the client may take to answer runInTerminal, and then the launcher to connect.
#: An external terminal emulator can take seconds to start on a busy machine.
ANSWER_SECONDS = 30.0
CONNECT_SECONDS = 30.0

_LAUNCHER = Path(__file__).resolve().parent.parent / "launcher.py"


def terminal_kind(session: Session, args: m.LaunchArguments) -> str | None:
    """The terminal ``args.console`` asks for, or None to start the program ourselves (output events)."""
    console = args.console or "internalConsole"
    if console not in CONSOLES:
        raise RequestError(f"launch: 'console' must be one of {', '.join(map(repr, CONSOLES))}, got {console!r}")
    kind = CONSOLES[console]
    if kind is not None and not (session.client and session.client.supportsRunInTerminalRequest):
        session.protocol.send_event(
            "output",
            m.OutputEventBody(
                category="console",
                output=f"dap-threads: this editor cannot run programs in its terminal (it did not declare "
                f'supportsRunInTerminalRequest), so "console": "{console}" falls back to "internalConsole": '
                f"the program's output shows here and its stdin is empty\n",
            ),
        )
        return None
    return kind


async def launch_in_terminal(session: Session, args: m.LaunchArguments, kind: str) -> Launched:
    """Have the client start our launcher in a terminal; seize it; let it exec the program."""
    try:
        path = resolve_program(args.program, args.cwd)
    except EngineError as exc:
        raise RequestError(str(exc)) from None
    cwd = args.cwd or os.getcwd()
    if not os.path.isdir(cwd):
        raise RequestError(f"launch: cwd {cwd!r} is not a directory")
    # The adapter's own user, and the connection's (a root adapter serves other users' terminals).
    allowed = {os.geteuid(), *([session.gate.peer.uid] if session.gate.peer.uid is not None else [])}
    listener = HandoffListener(allowed)
    program_argv = [args.program, *args.args]
    try:
        request = m.RunInTerminalRequestArguments(
            kind=kind,
            title=f"dap-threads: {os.path.basename(path)}",
            cwd=cwd,
            # -I: the terminal's PYTHON* variables and folder must not change what the launcher imports
            args=[sys.executable, "-I", str(_LAUNCHER), "--connect", listener.address, "--", path, *program_argv],
            env=dict(args.env) if args.env else None,
        )
        handed = await _wait_for_launcher(session, listener, request)
        try:
            return await launch_handed_off(handed, path, session.reaper, session.loop)
        except EngineError as exc:
            raise RequestError(str(exc)) from None
    finally:
        listener.close()


async def _wait_for_launcher(
    session: Session, listener: HandoffListener, request: m.RunInTerminalRequestArguments
) -> HandedOff:
    """The launcher, once it connected. A client may answer runInTerminal before or after it starts the
    command (or only when it ends), so the first of the two decides; a refusal ends the wait."""
    answer = asyncio.ensure_future(session.protocol.reverse.request("runInTerminal", request, timeout=ANSWER_SECONDS))
    connected = asyncio.ensure_future(listener.accept(ANSWER_SECONDS + CONNECT_SECONDS))
    answer.add_done_callback(_log_answer)
    try:
        await asyncio.wait({answer, connected}, return_when=asyncio.FIRST_COMPLETED)
        if answer.done() and answer.exception() is not None and not connected.done():
            raise RequestError(f"could not start the program in a terminal: {answer.exception()}")
        return await connected
    except EngineError as exc:
        raise RequestError(str(exc)) from None
    finally:
        connected.cancel()


def _log_answer(answer: asyncio.Future[object]) -> None:
    if answer.cancelled():
        return
    error = answer.exception()
    if isinstance(error, ReverseRequestError):
        log.warning("runInTerminal: %s", error)
    elif error is None:
        log.info("runInTerminal answered: %s", answer.result())
