"""readMemory: bytes of the program's memory, base64, with the unreadable stretch said as such.

Memory references are the addresses this adapter hands out
(``instructionPointerReference``, a register's ``memoryReference``): hex
with 0x, or decimal. The program may be running: /proc/PID/mem reads it as
it is at that moment (the spec does not ask for a stop).
"""

from __future__ import annotations

import base64

from ..dap import messages as m
from ..dap.requests import RequestError, request
from ..engine import memory
from .session import Session


@request("readMemory", m.ReadMemoryArguments, capabilities=("supportsReadMemoryRequest",))
async def read_memory(session: Session, args: m.ReadMemoryArguments) -> m.ReadMemoryResponseBody:
    address = memory_reference(args.memoryReference, args.offset, "readMemory")
    if not 0 <= args.count <= memory.MAX_READ:
        raise RequestError(
            f"readMemory: 'count' must be from 0 to {memory.MAX_READ} ({memory.MAX_READ // 2**20} MiB), "
            f"got {args.count}; read larger ranges in several requests"
        )
    tracer = session.require_tracer()
    try:
        found = memory.read(tracer.pid, address, args.count)
    except memory.MemoryUnavailable as exc:
        raise RequestError(str(exc)) from None
    return m.ReadMemoryResponseBody(
        address=f"{address:#x}",
        data=base64.b64encode(found.data).decode("ascii"),
        unreadableBytes=found.unreadable or None,
    )


def memory_reference(reference: str, offset: int | None, command: str) -> int:
    """The address a memoryReference (+ offset) names; a RequestError saying what a valid one looks like."""
    text = reference.strip()
    try:
        base = int(text, 16) if text.lower().startswith("0x") else int(text, 10)
    except ValueError:
        raise RequestError(
            f"{command}: 'memoryReference' must be an address, in hex with 0x or decimal "
            f"(as in a frame's instructionPointerReference), not {reference[:40]!r}"
        ) from None
    address = base + (offset or 0)
    if not 0 <= address < memory.ADDRESS_LIMIT:
        raise RequestError(f"{command}: {reference} + offset {offset or 0} is outside the 64-bit address space")
    return address
