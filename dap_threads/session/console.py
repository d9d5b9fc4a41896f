"""evaluate in the debug console: gdb's words for following forks, a small command table.

- ``set follow-fork-mode parent|child|both|ask`` and ``show follow-fork-mode``:
  what the session does when the program forks, switchable at any time (the
  ``followFork`` launch/attach argument is the first value);
- ``follow parent|child|both``: the answer at a follow-fork-mode "ask" stop
  (``continue`` there is ``follow parent``);
- ``set follow-exec on|off`` and ``show follow-exec``: ``followExec``;
- ``help``.

Nothing else is evaluated (no expressions, no watch or hover): anything else
gets an error that lists what is understood. Other command families join the
table with ``console_command``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ..dap import messages as m
from ..dap.requests import RequestError, request
from .follow import parse_mode
from .session import Session

#: words -> handler(session, the rest of the line, the request's frameId): the text to show
Command = Callable[[Session, str, "int | None"], Awaitable[str]]
_COMMANDS: dict[str, tuple[Command, str]] = {}


def console_command(words: str, usage: str) -> Callable[[Command], Command]:
    """Register a debug console command: ``words`` start the line, ``usage`` is its line in ``help``."""

    def register(handler: Command) -> Command:
        _COMMANDS[words] = (handler, usage)
        return handler

    return register


def help_text() -> str:
    lines = [usage for _, usage in _COMMANDS.values()]
    return "dap-threads debug console commands (it does not evaluate expressions):\n" + "\n".join(lines)


@request("evaluate", m.EvaluateArguments)
async def evaluate(session: Session, args: m.EvaluateArguments) -> m.EvaluateResponseBody:
    line = " ".join(args.expression.split())
    context = args.context or "repl"
    if context not in ("repl", "clipboard"):
        raise RequestError(f"cannot evaluate {args.expression[:60]!r} in the {context} context: {help_text()}")
    for words in sorted(_COMMANDS, key=len, reverse=True):
        if line == words or line.startswith(words + " "):
            handler, _ = _COMMANDS[words]
            text = await handler(session, line[len(words) :].strip(), args.frameId)
            return m.EvaluateResponseBody(result=text, variablesReference=0)
    raise RequestError(f"unknown command {args.expression[:60]!r}. {help_text()}")


@console_command("help", "  help                                       this list")
async def _help(session: Session, rest: str, frame_id: int | None) -> str:
    return help_text()


@console_command(
    "set follow-fork-mode", "  set follow-fork-mode parent|child|both|ask  what to do when the program forks"
)
async def _set_follow_fork_mode(session: Session, rest: str, frame_id: int | None) -> str:
    if not rest:
        raise RequestError("set follow-fork-mode needs a mode: parent, child, both or ask")
    return session.following.set_mode(parse_mode(rest))


@console_command("show follow-fork-mode", "  show follow-fork-mode")
async def _show_follow_fork_mode(session: Session, rest: str, frame_id: int | None) -> str:
    return session.following.describe()


@console_command("follow", "  follow parent|child|both                   the answer at a fork (follow-fork-mode ask)")
async def _follow(session: Session, rest: str, frame_id: int | None) -> str:
    if not rest:
        raise RequestError("follow needs a side: parent, child or both")
    return session.following.follow(parse_mode(rest))


@console_command("set follow-exec", "  set follow-exec on|off                     off: detach when the program execs")
async def _set_follow_exec(session: Session, rest: str, frame_id: int | None) -> str:
    value = {"on": True, "off": False}.get(rest.lower())
    if value is None:
        raise RequestError("set follow-exec takes on or off")
    session.following.follow_exec = value
    session.following.apply()
    return _follow_exec_text(session)


@console_command("show follow-exec", "  show follow-exec")
async def _show_follow_exec(session: Session, rest: str, frame_id: int | None) -> str:
    return _follow_exec_text(session)


def _follow_exec_text(session: Session) -> str:
    if session.following.follow_exec:
        return "follow-exec is on: the session keeps the process when it executes a new program."
    return "follow-exec is off: the session detaches from the process when it executes a new program."
