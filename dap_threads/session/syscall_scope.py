"""The "Syscall" scope: the call a thread stopped at a syscall catchpoint is making.

Shown for the frames of the thread that caught the call (``last_stop``):
its name and number, whether this is the entry or the exit, the call as a
person reads it, each argument register, and at the exit the return value
(an error's name and text). A scope provider (``scopes``): it comes after
"Registers".
"""

from __future__ import annotations

from ..dap import messages as m
from ..engine.events import SyscallCaught
from . import registers_scope  # noqa: F401  (registered first: Registers is listed before Syscall)
from .frames import FrameRef
from .scopes import scope_provider
from .session import Session


class SyscallScope:
    kind = "syscall"

    def caught(self, session: Session, frame: FrameRef) -> SyscallCaught | None:
        stop = session.last_stop
        cause = stop.cause if stop is not None else None
        return cause if isinstance(cause, SyscallCaught) and cause.tid == frame.tid else None

    async def scope(self, session: Session, frame: FrameRef, reference: int) -> m.Scope | None:
        caught = self.caught(session, frame)
        if caught is None:
            return None
        return m.Scope(name="Syscall", variablesReference=reference, expensive=False, namedVariables=len(_rows(caught)))

    async def variables(self, session: Session, frame: FrameRef) -> list[m.Variable]:
        caught = self.caught(session, frame)
        if caught is None:
            return []
        return [m.Variable(name=name, value=value, variablesReference=0) for name, value in _rows(caught)]


def _rows(caught: SyscallCaught) -> list[tuple[str, str]]:
    rows = [
        ("call", caught.call),
        ("name", caught.name),
        ("number", str(caught.number)),
        ("stop", "entry (the call has not run yet)" if caught.phase == "entry" else "exit (the call has returned)"),
    ]
    rows += [(f"arg{i}", f"{value:#x}") for i, value in enumerate(caught.args)]
    if caught.phase == "exit" and caught.result is not None:
        rows.append(("result", caught.result_text or str(caught.result)))
    return rows


scope_provider(SyscallScope())
