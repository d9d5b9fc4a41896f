"""evaluate in the debug console: a table of commands in gdb's words, and nothing else.

Each family of commands registers its words with ``console_command`` in a
module of its own: ``backtrace`` (``bt``, ``bt all``), ``follow_commands``
(``set follow-fork-mode``, ``follow``, ``set follow-exec``, ...); ``help``
lists them all. Nothing else is evaluated (no expressions, no watch or
hover): anything else gets an error that names what is understood.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import attrs

from ..dap import messages as m
from ..dap.requests import RequestError, request
from .session import Session

#: handler(session, the rest of the line, the request's frameId) -> the text to show
Command = Callable[[Session, str, "int | None"], Awaitable[str]]


@attrs.frozen
class _Entry:
    handler: Command
    words: tuple[str, ...]  # the name, then gdb's other spellings of it
    arguments: str
    about: str

    def help_line(self) -> str:
        synopsis = " ".join(filter(None, (self.words[0], self.arguments)))
        also = f" (also: {', '.join(self.words[1:])})" if len(self.words) > 1 else ""
        return f"  {synopsis:<44} {self.about}{also}"


_ENTRIES: list[_Entry] = []
_BY_WORDS: dict[str, _Entry] = {}


def console_command(*words: str, arguments: str = "", about: str) -> Callable[[Command], Command]:
    """Register a debug console command for lines that start with any of ``words`` (the first is its name)."""

    def register(handler: Command) -> Command:
        entry = _Entry(handler, words, arguments, about)
        for spelling in words:
            if spelling in _BY_WORDS:
                raise ValueError(f"two debug console commands for {spelling!r}")
            _BY_WORDS[spelling] = entry
        _ENTRIES.append(entry)
        return handler

    return register


def help_text() -> str:
    return "dap-threads debug console commands (it does not evaluate expressions):\n" + "\n".join(
        entry.help_line() for entry in _ENTRIES
    )


def understood() -> str:
    names = ", ".join(repr(entry.words[0]) for entry in _ENTRIES)
    return f"the debug console understands {names} ('help' explains them); it does not evaluate expressions"


@request("evaluate", m.EvaluateArguments)
async def evaluate(session: Session, args: m.EvaluateArguments) -> m.EvaluateResponseBody:
    line = " ".join(args.expression.split())
    context = args.context or "repl"
    if context not in ("repl", "clipboard"):
        raise RequestError(f"cannot evaluate {args.expression[:60]!r} in the {context} context: {understood()}")
    # The longest spelling first: "bt all" is not "bt" with an argument.
    for words in sorted(_BY_WORDS, key=len, reverse=True):
        if line == words or line.startswith(words + " "):
            text = await _BY_WORDS[words].handler(session, line[len(words) :].strip(), args.frameId)
            return m.EvaluateResponseBody(result=text, variablesReference=0)
    raise RequestError(f"unknown command {args.expression[:60]!r}: {understood()}")


@console_command("help", about="this list")
async def _help(session: Session, rest: str, frame_id: int | None) -> str:
    return help_text()
