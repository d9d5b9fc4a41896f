"""stackTrace: a stopped thread's frames, a page at a time.

What a frame shows (DAP StackFrame):
- ``name``: the function (inline frames are frames of their own, innermost
  first, as gdb shows them), else ``module+0xoffset``;
- ``source`` (``path`` and ``name``) with ``line`` and ``column`` only for a
  file that exists on this machine; a frame without one gets no ``source``,
  ``line``/``column`` 0 (the spec: "should be ignored by the client"), and
  the disassembly view through ``instructionPointerReference``;
- ``presentationHint``: ``subtle`` for the plumbing below the program's own
  code (``stacks.subtle``), ``label`` for the frame that says why unwinding
  stopped early;
- ``moduleId`` only for a module the client was told of in a `module` event.

The whole stack is read at the first request of a stop and kept, so paging
(``startFrame``/``levels``, DAP "supportsDelayedStackTraceLoading") slices it
and ``totalFrames`` is exact.
"""

from __future__ import annotations

import os

from ..dap import messages as m
from ..dap.requests import RequestError, request
from ..stacks import Frame
from .session import Session


@request("stackTrace", m.StackTraceArguments, capabilities=("supportsDelayedStackTraceLoading",))
async def stack_trace(session: Session, args: m.StackTraceArguments) -> m.StackTraceResponseBody:
    start = args.startFrame or 0
    if start < 0:
        raise RequestError(f"stackTrace: 'startFrame' must not be negative, got {start}")
    if args.levels is not None and args.levels < 0:
        raise RequestError(f"stackTrace: 'levels' must not be negative, got {args.levels}")
    thread = session.require_thread(args.threadId, stopped=True)
    stack = await session.stacks.stack(thread)
    end = len(stack.frames) if not args.levels else min(len(stack.frames), start + args.levels)
    frames = [dap_frame(session, args.threadId, level, stack.frames[level]) for level in range(start, end)]
    return m.StackTraceResponseBody(stackFrames=frames, totalFrames=len(stack.frames))


def dap_frame(session: Session, tid: int, level: int, frame: Frame) -> m.StackFrame:
    frame_id = session.frames.frame_id(tid, level)
    if frame.label:
        return m.StackFrame(id=frame_id, name=frame.name(), line=0, column=0, presentationHint="label")
    path = session.stacks.local_source(frame.file) if frame.line else None
    source = None
    line = column = 0
    if path is not None and frame.line:
        source = m.Source(name=os.path.basename(path), path=path)
        line = client_line(session, frame.line)
        column = client_column(session, frame.column)
    return m.StackFrame(
        id=frame_id,
        name=frame.name(),
        line=line,
        column=column,
        source=source,
        instructionPointerReference=f"{frame.pc:#x}",
        moduleId=session.stacks.modules.id_of(frame.module),
        presentationHint="subtle" if frame.subtle else None,
    )


def client_line(session: Session, line: int) -> int:
    """A DWARF line (from 1) as the client counts (``linesStartAt1``)."""
    return line if session.client.linesStartAt1 else line - 1


def client_column(session: Session, column: int | None) -> int:
    """A DWARF column (from 1; None or 0: unknown, then the line's first column) as the client counts."""
    first = 1 if session.client.columnsStartAt1 else 0
    return column - 1 + first if column else first
