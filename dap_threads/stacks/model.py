"""What an unwound stack is made of: frames (real, inline, or a closing label), stacks, modules.

These are plain values, built by the unwinder and read by the terminal
command and the DAP handlers; they know nothing of libdw.
"""

from __future__ import annotations

import os

import attrs


@attrs.frozen
class Place:
    """One function at one address: what the symbol and DWARF say, independent of any process.

    ``inlined`` is true for a function inlined into the next Place of the same
    address (its caller): the caller's ``line`` is then the call site.
    """

    function: str | None
    file: str | None = None
    line: int | None = None
    column: int | None = None
    inlined: bool = False


@attrs.frozen
class Module:
    """A loaded ELF object of the process (program, shared library, vDSO)."""

    name: str  # the path as mapped, or "[vdso]"
    path: str | None  # the file on this machine, when there is one
    start: int
    end: int
    build_id: str | None
    symbols: str  # "symbols loaded", "debug info (build-id)", "debug info (debuglink)", "stripped"
    debug_file: str | None = None

    @property
    def short_name(self) -> str:
        return os.path.basename(self.name)


@attrs.frozen
class Frame:
    """One row of a stack, innermost first.

    ``pc`` is the frame's program counter: for the frames above the top one
    (callers), the return address. ``label`` frames carry no code: they end
    a stack that stopped early and say why (``function`` holds the text).
    """

    pc: int
    function: str | None
    module: Module | None = None
    symbol_offset: int | None = None  # pc - start of the ELF symbol, when there is one
    file: str | None = None
    line: int | None = None
    column: int | None = None
    inlined: bool = False
    #: a function that ended with a jump to the frame above it (gdb's "tail call frame"): it has no
    #: frame of its own on the stack, so no registers; ``pc`` is just past its jump
    tail_call: bool = False
    label: bool = False
    subtle: bool = False
    registers: dict[str, int] | None = None

    def name(self) -> str:
        """The function, else ``module+0xoffset``, else the address (gdb's ``??``, made useful)."""
        if self.function:
            return self.function
        if self.module is not None:
            return f"{self.module.short_name}+{self.pc - self.module.start:#x}"
        return f"{self.pc:#x}"

    def where(self) -> str:
        """``file:line`` (basename), or ''."""
        if self.file and self.line:
            return f"{os.path.basename(self.file)}:{self.line}"
        return ""

    def describe(self) -> str:
        """``worker_loop (pool.c:41)``, ``read_pipe``, ``pool+0x1234``."""
        where = self.where()
        return f"{self.name()} ({where})" if where else self.name()


@attrs.frozen
class Stack:
    """A thread's frames; ``stopped`` says why unwinding ended early (None: it reached the outermost frame)."""

    tid: int
    frames: tuple[Frame, ...]
    stopped: str | None = None

    def signature(self) -> tuple[tuple[str, str | None, int | None, bool], ...]:
        """What makes two stacks "the same" to a reader: names and source lines, not addresses."""
        # A frame without a name is named module+offset, the same in every
        # thread even where the module sits at another address.
        return tuple((f.name(), f.file, f.line, f.inlined) for f in self.frames)


def label_frame(pc: int, reason: str) -> Frame:
    return Frame(pc=pc, function=f"[unwinding stopped: {reason}]", label=True)
