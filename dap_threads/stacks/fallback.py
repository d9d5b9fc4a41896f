"""Stacks without libdw: the top frame only, named by its ELF symbol, and a note saying what gives more.

The adapter must run where elfutils' libdw is not installed; it then shows
what it showed before stacks existed (the frame at the thread's pc, named
from .symtab/.dynsym by pyelftools), closed by a label frame that names
the package to install.
"""

from __future__ import annotations

import errno
from collections.abc import Iterable

from ..engine.owner import on_ptrace_owner
from ..engine.registers import layout_of, read_registers
from ..engine.symbols import locate as locate_symbol
from ..engine.symbols import read_maps
from .model import Frame, Module, Stack, label_frame
from .symbolize import SymbolSpan
from .unwind import DEFAULT_MAX_FRAMES, UnwindError, Walk, stacks_of


class TopFrameReader:
    """The StackReader interface, one frame deep."""

    def __init__(self, pid: int, notice: str) -> None:
        self.pid = pid
        self.notice = notice

    def close(self) -> None:
        pass

    def __enter__(self) -> TopFrameReader:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def refresh(self) -> bool:
        return False

    def modules(self) -> list[Module]:
        by_path: dict[str, Module] = {}
        for mapping in read_maps(self.pid):
            known = by_path.get(mapping.path)
            start = min(mapping.start, known.start) if known else mapping.start
            end = max(mapping.end, known.end) if known else mapping.end
            by_path[mapping.path] = Module(mapping.path, mapping.path, start, end, None, "symbols not read (no libdw)")
        return sorted(by_path.values(), key=lambda m: m.start)

    def maps_changed(self) -> bool:
        return False

    def preload(self) -> None:
        pass

    @on_ptrace_owner
    def stack(self, tid: int, max_frames: int = DEFAULT_MAX_FRAMES, registers: bool = False) -> Stack:
        return self.finish(self.walk(tid, max_frames, registers))

    @on_ptrace_owner
    def walk(self, tid: int, max_frames: int = DEFAULT_MAX_FRAMES, registers: bool = False) -> Walk:
        try:
            regs = read_registers(tid)
        except OSError as exc:
            if exc.errno == errno.ESRCH:
                raise UnwindError(f"thread {tid} has exited, or is not stopped") from None
            raise
        walk = Walk(tid, max_frames, tuple(regs) if registers else None)
        walk.frames.append((regs[layout_of(regs).pc], True, regs if registers else None))
        walk.stopped = "only the top frame is known without libdw; " + self.notice.split("; ", 1)[-1]
        return walk

    def symbolized(self, walk: Walk) -> bool:
        return True

    def finish(self, walk: Walk) -> Stack:
        pc, _, regs = walk.frames[0]
        where = locate_symbol(self.pid, pc)
        module = None
        if where.module:
            module = next((m for m in self.modules() if m.name == where.module), None)
        top = Frame(
            pc=pc,
            function=where.symbol,
            module=module,
            symbol_offset=where.symbol_offset if where.symbol else None,
            registers=regs,
        )
        reason = walk.stopped or ""
        return Stack(tid=walk.tid, frames=(top, label_frame(pc, reason)), stopped=reason)

    @on_ptrace_owner
    def stacks(self, tids: Iterable[int], max_frames: int = DEFAULT_MAX_FRAMES) -> list[Stack]:
        return stacks_of(self.stack, tids, max_frames)

    def symbol_at(self, address: int) -> SymbolSpan | None:
        where = locate_symbol(self.pid, address)
        return SymbolSpan(where.symbol, address - where.symbol_offset, 0) if where.symbol else None

    def line_at(self, address: int) -> tuple[str, int, int | None] | None:
        return None
