"""disassemble: instructions around an address, for the disassembly view of frames without source.

The window is ``instructionCount`` instructions from number
``instructionOffset`` (negative: before) counted from the one at
``memoryReference`` + ``offset`` (a frame's instructionPointerReference);
exactly that many, with invalid ones where memory cannot be read (DAP
"disassemble"). Each names its function (``symbol``) and, where the line
table knows it and the file exists here, its source line.
"""

from __future__ import annotations

import os
import platform

from ..dap import messages as m
from ..dap.requests import RequestError, request
from ..engine import memory
from ..engine.syscalls import process_abi
from ..stacks.disassembly import Disassembler, Instruction, annotate
from ..stacks.unwind import UnwindError
from .memory import memory_reference
from .session import Session
from .stack_trace import client_column, client_line

#: The most instructions one request may ask for, and how far from the address the window may start.
MAX_INSTRUCTIONS = 4096
MAX_OFFSET = 4096

#: one per instruction set (a 32-bit program's is i386), made on first use
_disassemblers: dict[str, Disassembler] = {}


@request("disassemble", m.DisassembleArguments, capabilities=("supportsDisassembleRequest",))
async def disassemble(session: Session, args: m.DisassembleArguments) -> m.DisassembleResponseBody:
    anchor = memory_reference(args.memoryReference, args.offset, "disassemble")
    first = args.instructionOffset or 0
    if not 0 <= args.instructionCount <= MAX_INSTRUCTIONS:
        raise RequestError(
            f"disassemble: 'instructionCount' must be from 0 to {MAX_INSTRUCTIONS}, got {args.instructionCount}"
        )
    if abs(first) > MAX_OFFSET:
        raise RequestError(f"disassemble: 'instructionOffset' must be within ±{MAX_OFFSET}, got {first}")
    tracer = session.require_tracer()
    try:
        reader = session.stacks.reader()
    except UnwindError as exc:
        raise RequestError(str(exc)) from None
    abi = process_abi(tracer.pid)  # the program's instruction set: a 32-bit program's is i386
    disassembler = _get_disassembler(abi.value if abi is not None else platform.machine())

    def read(address: int, count: int) -> bytes:
        try:
            return memory.read(tracer.pid, address, min(count, memory.ADDRESS_LIMIT - address)).data
        except (ValueError, memory.MemoryUnavailable):
            return b""

    window = disassembler.window(read, reader.symbol_at, anchor, first, args.instructionCount)
    named = annotate(window, disassembler, reader.symbol_at, reader.line_at, targets=args.resolveSymbols is not False)
    return m.DisassembleResponseBody(instructions=[_dap_instruction(session, insn) for insn in named])


def _get_disassembler(machine: str) -> Disassembler:
    disassembler = _disassemblers.get(machine)
    if disassembler is None:
        try:
            disassembler = _disassemblers[machine] = Disassembler(machine)
        except (ImportError, NotImplementedError) as exc:
            message = f"cannot disassemble: {exc} (the capstone package from PyPI decodes instructions)"
            raise RequestError(message) from None
    return disassembler


def _dap_instruction(session: Session, insn: Instruction) -> m.DisassembledInstruction:
    if not insn.valid:
        return m.DisassembledInstruction(
            address=f"{insn.address:#x}",
            instruction=insn.text,
            instructionBytes=insn.data.hex(" ") or None,
            presentationHint="invalid",
        )
    path = session.stacks.local_source(insn.file) if insn.line else None
    symbol = None
    if insn.symbol is not None:
        offset = insn.address - insn.symbol.start
        symbol = f"{insn.symbol.name}+{offset}" if offset else insn.symbol.name
    return m.DisassembledInstruction(
        address=f"{insn.address:#x}",
        instruction=insn.text,
        instructionBytes=insn.data.hex(" "),
        symbol=symbol,
        location=m.Source(name=os.path.basename(path), path=path) if path else None,
        line=client_line(session, insn.line) if path and insn.line else None,
        column=client_column(session, insn.column) if path and insn.line else None,
    )
