"""The "Registers" scope of a frame: the values its caller will see again, as the unwinder restored them.

For the innermost frame: every register of the thread (PTRACE_GETREGSET).
For a caller: what the CFI restores (the stack pointer, the return address,
the callee-saved registers); a register the CFI leaves undefined (the
caller-saved ones, clobbered by the call) is left out, not shown as 0.
Before them, two values of the frame's call: ``CFA`` (DWARF's canonical
frame address: the stack pointer before the call, which is the caller's
stack pointer) and ``return address`` (where the frame returns to: the
caller's pc). Inline frames show their physical frame's registers; a tail-call
frame (a function that jumped to its callee, ``stacks.tailcalls``) has none of
its own: its CFA and return address are its callee's.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..dap import messages as m
from ..dap.requests import RequestError
from ..engine.registers import Layout, layout_of, read_registers
from ..stacks import Frame
from .frames import FrameRef
from .scopes import scope_provider
from .session import Session

#: Registers that hold addresses: a client may open memory there (DAP Variable.memoryReference).
_ADDRESSES = {"CFA", "return address", "rsp", "rbp", "rip", "sp", "pc", "x29", "x30", "esp", "ebp", "eip"}


class RegistersScope:
    kind = "registers"

    async def scope(self, session: Session, frame: FrameRef, reference: int) -> m.Scope | None:
        stack = await session.stacks.stack(session.require_thread(frame.tid, stopped=True))
        if frame.level >= len(stack.frames) or stack.frames[frame.level].label:
            return None  # a label frame has no code, hence no registers
        return m.Scope(name="Registers", variablesReference=reference, expensive=False, presentationHint="registers")

    async def variables(self, session: Session, frame: FrameRef) -> list[m.Variable]:
        thread = session.require_thread(frame.tid, stopped=True)
        stack = await session.stacks.stack(thread, registers=True)
        if frame.level >= len(stack.frames):
            raise RequestError(f"thread {frame.tid} has no frame #{frame.level} any more: ask 'stackTrace' again")
        try:
            # The thread's layout (a 32-bit program's registers are i386's); all of them for the innermost frame.
            registers = read_registers(frame.tid)
        except ProcessLookupError:
            raise RequestError(f"thread {frame.tid} has just exited") from None
        layout = layout_of(registers)
        values = frame_values(stack.frames, frame.level, layout)
        if outermost_of(stack.frames, 0) >= frame.level:
            values.update(registers)
        return [_variable(name, value, layout.word) for name, value in values.items()]


scope_provider(RegistersScope())


def outermost_of(frames: Sequence[Frame], level: int) -> int:
    """The level of the real (not inlined) frame that ``level`` is part of: its inline frames come first."""
    while level < len(frames) - 1 and frames[level].inlined:
        level += 1
    return level


def frame_values(frames: Sequence[Frame], level: int, layout: Layout) -> dict[str, int]:
    """CFA, return address, then the frame's registers (name -> value), for what is known."""
    physical = outermost_of(frames, level)
    values: dict[str, int] = {}
    # The caller: the next frame with registers of its own (a tail-call frame between has none).
    caller = next((f for f in frames[physical + 1 :] if f.registers or f.label), None)
    sp = layout.sp
    if caller is not None and not caller.label and caller.registers:
        if sp in caller.registers:
            values["CFA"] = caller.registers[sp]
        values["return address"] = caller.pc
    own = frames[level].registers or {}
    if layout.pc not in own:
        values[layout.pc] = frames[level].pc
    values.update(own)
    return values


def _variable(name: str, value: int, word: int) -> m.Variable:
    return m.Variable(
        name=name,
        value=f"{value:#0{2 + 2 * word}x}",
        variablesReference=0,
        type=f"uint{8 * word}",
        memoryReference=f"{value:#x}" if name in _ADDRESSES else None,
    )
