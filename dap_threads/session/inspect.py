"""stackTrace, scopes, variables: the top frame of a stopped thread and its registers.

Full unwinding is future work; the top frame is named by the ELF symbol
containing the instruction pointer (or its address when there is none).
"""

from __future__ import annotations

import os

from ..dap import messages as m
from ..dap.requests import RequestError, request
from ..engine.registers import host_layout, read_registers
from ..engine.symbols import locate
from .session import Session


def _registers_of(session: Session, tid: int) -> dict[str, int]:
    session.require_thread(tid, stopped=True)
    try:
        return read_registers(tid)
    except ProcessLookupError:
        raise RequestError(f"thread {tid} has just exited") from None


@request("stackTrace", m.StackTraceArguments)
async def stack_trace(session: Session, args: m.StackTraceArguments) -> m.StackTraceResponseBody:
    registers = _registers_of(session, args.threadId)
    pc = registers[host_layout().pc]
    assert session.tracer is not None
    where = locate(session.tracer.pid, pc)
    frame = m.StackFrame(
        id=session.frames.frame_id(args.threadId, 0),
        name=where.describe(),
        line=0,
        column=0,
        instructionPointerReference=f"{pc:#x}",
        moduleId=where.module,
        # No path: with no source line, a client that opens `path` would open the binary and put its
        # cursor on line 0 (nvim-dap reports that as an error); the module stays in moduleId.
        source=m.Source(name=os.path.basename(where.module), presentationHint="deemphasize") if where.module else None,
    )
    frames = [frame] if (args.startFrame or 0) == 0 and args.levels != 0 else []
    if args.levels is not None and args.levels < 0:
        raise RequestError(f"stackTrace: 'levels' must not be negative, got {args.levels}")
    return m.StackTraceResponseBody(stackFrames=frames, totalFrames=1)


@request("scopes", m.ScopesArguments)
async def scopes(session: Session, args: m.ScopesArguments) -> m.ScopesResponseBody:
    if session.frames.frame(args.frameId) is None:
        raise RequestError(
            f"no frame {args.frameId}: frame ids last only until the program resumes; ask 'stackTrace' again"
        )
    reference = session.frames.registers_ref(args.frameId)
    count = len(host_layout().names)
    return m.ScopesResponseBody(
        scopes=[
            m.Scope(
                name="Registers",
                variablesReference=reference,
                expensive=False,
                presentationHint="registers",
                namedVariables=count,
            )
        ]
    )


@request("variables", m.VariablesArguments)
async def variables(session: Session, args: m.VariablesArguments) -> m.VariablesResponseBody:
    frame = session.frames.registers_frame(args.variablesReference)
    if frame is None:
        raise RequestError(
            f"no variables container {args.variablesReference}: references last only until the program resumes"
        )
    registers = _registers_of(session, frame.tid)
    items = [
        m.Variable(name=name, value=f"{value:#018x}", variablesReference=0, type="uint64")
        for name, value in registers.items()
    ]
    start = args.start or 0
    end = start + args.count if args.count else None
    return m.VariablesResponseBody(variables=items[start:end])
