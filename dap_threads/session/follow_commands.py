"""Debug console commands for following forks and execs, in gdb's words (``console``).

- ``set follow-fork-mode parent|child|both|ask`` and ``show follow-fork-mode``:
  what the session does when the program forks, switchable at any time (the
  ``followFork`` launch/attach argument is the first value);
- ``follow parent|child|both``: the answer at a follow-fork-mode "ask" stop
  (``continue`` there is ``follow parent``);
- ``set follow-exec on|off`` and ``show follow-exec``: ``followExec``.
"""

from __future__ import annotations

from ..dap.requests import RequestError
from .console import console_command
from .follow import parse_mode
from .session import Session


@console_command("set follow-fork-mode", arguments="parent|child|both|ask", about="what to do when the program forks")
async def _set_follow_fork_mode(session: Session, rest: str, frame_id: int | None) -> str:
    if not rest:
        raise RequestError("set follow-fork-mode needs a mode: parent, child, both or ask")
    return session.following.set_mode(parse_mode(rest))


@console_command("show follow-fork-mode", about="the mode in force")
async def _show_follow_fork_mode(session: Session, rest: str, frame_id: int | None) -> str:
    return session.following.describe()


@console_command("follow", arguments="parent|child|both", about="the answer at a fork (follow-fork-mode ask)")
async def _follow(session: Session, rest: str, frame_id: int | None) -> str:
    if not rest:
        raise RequestError("follow needs a side: parent, child or both")
    return session.following.follow(parse_mode(rest))


@console_command("set follow-exec", arguments="on|off", about="off: detach when the program execs")
async def _set_follow_exec(session: Session, rest: str, frame_id: int | None) -> str:
    value = {"on": True, "off": False}.get(rest.lower())
    if value is None:
        raise RequestError("set follow-exec takes on or off")
    session.following.follow_exec = value
    session.following.apply()
    return _follow_exec_text(session)


@console_command("show follow-exec", about="whether the session keeps the process across exec")
async def _show_follow_exec(session: Session, rest: str, frame_id: int | None) -> str:
    return _follow_exec_text(session)


def _follow_exec_text(session: Session) -> str:
    if session.following.follow_exec:
        return "follow-exec is on: the session keeps the process when it executes a new program."
    return "follow-exec is off: the session detaches from the process when it executes a new program."
