"""Machine code around an address, as instructions with their symbol and source line: the disassembly view.

The decoder is **capstone** (PyPI ``capstone``), for x86_64 (AT&T syntax,
as gdb and objdump print it by default) and aarch64. Given an anchor address
and a window of instructions around it (DAP ``disassemble``: an
``instructionOffset`` that may be negative, and an exact count), the
instructions *after* the anchor are decoded straight from it; the ones
*before* it need a known instruction boundary to start from, since x86
instructions have any length from 1 to 15 bytes: decoding starts at the
start of the ELF symbol (function) holding the address far enough back,
and where there is no symbol, at the first of a few starting bytes whose
decoding lands exactly on the anchor (x86 decoding resynchronises within a
few instructions). Where memory cannot be read or does not decode, the
window is filled with invalid instructions, so its length is always the
count asked for (the spec's "implementation-defined 'invalid instruction'").
"""

from __future__ import annotations

import platform
import re
from collections.abc import Callable
from typing import Any

import attrs

from .symbolize import SymbolSpan


@attrs.frozen
class Instruction:
    address: int
    data: bytes  # empty for an unreadable one
    text: str
    valid: bool = True
    symbol: SymbolSpan | None = None
    file: str | None = None
    line: int | None = None
    column: int | None = None


@attrs.frozen
class _Isa:
    arch: str
    mode: str
    max_length: int  # bytes of the longest instruction
    alignment: int  # every instruction starts at a multiple of this
    branch: re.Pattern[str]  # mnemonics whose immediate operand is a code address


ISAS = {
    "x86_64": _Isa("CS_ARCH_X86", "CS_MODE_64", 15, 1, re.compile(r"(call|j[a-z]*)q?$")),
    # a 32-bit program on an x86_64 kernel
    "i386": _Isa("CS_ARCH_X86", "CS_MODE_32", 15, 1, re.compile(r"(call|j[a-z]*)l?$")),
    "aarch64": _Isa("CS_ARCH_ARM64", "CS_MODE_ARM", 4, 4, re.compile(r"(bl?|b\..*|cbn?z|tbn?z)$")),
}

#: Reads up to n bytes at an address: the readable prefix (shorter, or empty, where memory ends).
ReadMemory = Callable[[int, int], bytes]
SymbolAt = Callable[[int], SymbolSpan | None]
LineAt = Callable[[int], tuple[str, int, int | None] | None]

_IMMEDIATE = re.compile(r"#?(0x[0-9a-f]+)$")

#: How far back from the window a function's start may lie to be decoded from (beyond: resynchronise instead).
_MAX_FUNCTION_PREFIX = 64 * 1024


class Disassembler:
    def __init__(self, machine: str | None = None) -> None:
        import capstone  # type: ignore[import-untyped]  # imported here: only a session that disassembles pays for it

        machine = machine or platform.machine()
        isa = ISAS.get(machine)
        if isa is None:
            raise NotImplementedError(f"disassembly is not supported on {machine} (only {', '.join(ISAS)})")
        self.isa = isa
        # capstone 6 renamed ARM64 to AARCH64
        arch = getattr(capstone, isa.arch, None) or capstone.CS_ARCH_AARCH64
        self._cs: Any = capstone.Cs(arch, getattr(capstone, isa.mode))
        if machine in ("x86_64", "i386"):
            self._cs.syntax = capstone.CS_OPT_SYNTAX_ATT

    def decode(self, code: bytes, address: int) -> list[Instruction]:
        """Every instruction of ``code`` from its first byte; a byte that does not decode is an invalid one."""
        found: list[Instruction] = []
        offset = 0
        step = self.isa.alignment
        while offset < len(code):
            for insn in self._cs.disasm(code[offset:], address + offset):
                text = f"{insn.mnemonic} {insn.op_str}".strip()
                found.append(Instruction(insn.address, bytes(insn.bytes), text))
                offset += insn.size
            if offset < len(code):
                found.append(Instruction(address + offset, code[offset : offset + step], "(bad)", valid=False))
                offset += step
        return found

    def window(self, read: ReadMemory, symbol_at: SymbolAt, anchor: int, first: int, count: int) -> list[Instruction]:
        """``count`` instructions, the first being number ``first`` counted from the one at ``anchor`` (0)."""
        after = self._after(read, anchor, max(0, first + count)) if first + count > 0 else []
        before = self._before(read, symbol_at, anchor, max(0, -first)) if first < 0 else []
        whole = before + after
        start = len(before) + first
        return whole[start : start + count]

    def _after(self, read: ReadMemory, anchor: int, count: int) -> list[Instruction]:
        # count instructions fit in count * max_length bytes: all are whole unless memory ends first.
        found = self.decode(read(anchor, count * self.isa.max_length), anchor)[:count]
        next_address = found[-1].address + max(len(found[-1].data), 1) if found else anchor
        while len(found) < count:
            found.append(_unreadable(next_address))
            next_address += self.isa.alignment
        return found

    def _before(self, read: ReadMemory, symbol_at: SymbolAt, anchor: int, count: int) -> list[Instruction]:
        if count == 0:
            return []
        lowest = max(0, anchor - count * self.isa.max_length)
        found: list[Instruction] = []
        if self.isa.alignment > 1:
            start = anchor - min(anchor, count * self.isa.alignment)
            found = self._decoded_up_to(read, start, anchor) or []
        else:
            symbol = symbol_at(lowest)
            if symbol is not None and lowest - _MAX_FUNCTION_PREFIX <= symbol.start <= lowest:
                found = self._decoded_up_to(read, symbol.start, anchor) or []
            if not found:
                for start in range(lowest, min(anchor, lowest + self.isa.max_length)):
                    found = self._decoded_up_to(read, start, anchor) or []
                    if found:
                        break
        found = found[-count:]
        first = found[0].address if found else anchor
        padding = [_unreadable(max(0, first - (i + 1) * self.isa.alignment)) for i in range(count - len(found))]
        return padding[::-1] + found

    def _decoded_up_to(self, read: ReadMemory, start: int, anchor: int) -> list[Instruction] | None:
        """The instructions from ``start`` when they end exactly at ``anchor`` (None: they do not)."""
        code = read(start, anchor - start)
        if len(code) < anchor - start:
            return None
        found = self.decode(code, start)
        if not found or found[-1].address + len(found[-1].data) != anchor:
            return None
        return found

    def branch_target(self, insn: Instruction) -> int | None:
        """The code address a direct call or jump goes to, or None."""
        mnemonic, _, operands = insn.text.partition(" ")
        if not self.isa.branch.match(mnemonic):
            return None
        immediate = _IMMEDIATE.search(operands.strip())
        return int(immediate.group(1), 16) if immediate else None


def _unreadable(address: int) -> Instruction:
    return Instruction(address, b"", "<unreadable>", valid=False)


def annotate(
    instructions: list[Instruction], disassembler: Disassembler, symbol_at: SymbolAt, line_at: LineAt, targets: bool
) -> list[Instruction]:
    """Each instruction with its symbol and source line; with ``targets``, ``<symbol+off>`` after branches."""
    annotated = []
    span: SymbolSpan | None = None
    for insn in instructions:
        if not insn.valid:
            annotated.append(insn)
            continue
        if span is None or not span.start <= insn.address < span.start + max(span.size, 1):
            span = symbol_at(insn.address)
        place = line_at(insn.address)
        text = insn.text
        target = disassembler.branch_target(insn) if targets else None
        if target is not None:
            named = symbol_at(target)
            if named is not None:
                offset = target - named.start
                text += f" <{named.name}{f'+{offset:#x}' if offset else ''}>"
        annotated.append(
            attrs.evolve(
                insn,
                text=text,
                symbol=span,
                file=place[0] if place else None,
                line=place[1] if place else None,
                column=place[2] if place else None,
            )
        )
    return annotated
