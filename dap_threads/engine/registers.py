"""General-purpose registers of a stopped thread (NT_PRSTATUS via PTRACE_GETREGSET).

The register layout of each architecture lives here and only here: the
order of ``struct user_regs_struct`` in the kernel's asm/ptrace.h (x86_64,
and i386 for 32-bit programs on an x86_64 kernel) or ``struct user_pt_regs``
(aarch64). Adding an architecture is adding a Layout.

Which layout a thread's registers are in is the kernel's answer, not the
host's: for a compat (32-bit) task PTRACE_GETREGSET NT_PRSTATUS fills the
i386 ``user_regs_struct`` (17 32-bit words) and says so in iov_len
(man 2 ptrace, PTRACE_GETREGSET: "the kernel updates iov.len").
"""

from __future__ import annotations

import ctypes
import os
import struct
from collections.abc import Callable

import attrs

from . import ptrace
from .owner import on_ptrace_owner


@attrs.frozen
class Layout:
    names: tuple[str, ...]
    pc: str
    sp: str
    #: bytes per register
    word: int = 8

    @property
    def size(self) -> int:
        return self.word * len(self.names)


X86_64 = Layout(
    names=(
        "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8",
        "rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "eflags",
        "rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs",
    ),
    pc="rip",
    sp="rsp",
)  # fmt: skip

I386 = Layout(
    names=(
        "ebx", "ecx", "edx", "esi", "edi", "ebp", "eax", "ds", "es", "fs", "gs",
        "orig_eax", "eip", "cs", "eflags", "esp", "ss",
    ),
    pc="eip",
    sp="esp",
    word=4,
)  # fmt: skip

AARCH64 = Layout(names=(*(f"x{i}" for i in range(31)), "sp", "pc", "pstate"), pc="pc", sp="sp")

LAYOUTS = {"x86_64": X86_64, "aarch64": AARCH64}

#: the layouts a 64-bit kernel of each machine also gives, for 32-bit (compat) tasks, told apart by size
COMPAT = {"x86_64": (I386,)}


def host_layout() -> Layout:
    machine = os.uname().machine  # what platform.machine() returns, without importing platform (~3 ms)
    try:
        return LAYOUTS[machine]
    except KeyError:
        raise NotImplementedError(f"registers are not supported on {machine} yet") from None


def layout_of(registers: dict[str, int]) -> Layout:
    """The layout ``registers`` (from ``read_registers``) are in."""
    host = host_layout()
    if host.pc in registers:
        return host
    return next((compat for compat in COMPAT.get(os.uname().machine, ()) if compat.pc in registers), host)


def _read(tid: int) -> tuple[Layout, ctypes.Array[ctypes.c_char], int]:
    layout = host_layout()
    buffer = ctypes.create_string_buffer(layout.size)
    filled = ptrace.get_regset(tid, buffer)
    for compat in COMPAT.get(os.uname().machine, ()):
        if filled == compat.size:
            layout = compat
    return layout, buffer, filled


def _format(layout: Layout, count: int) -> str:
    return f"<{count}{'I' if layout.word == 4 else 'Q'}"


@on_ptrace_owner
def read_registers(tid: int) -> dict[str, int]:
    """Register name -> value for a thread in ptrace-stop (OSError ESRCH if it is not)."""
    layout, buffer, filled = _read(tid)
    values = struct.unpack_from(_format(layout, filled // layout.word), buffer.raw)
    return dict(zip(layout.names, values))


@on_ptrace_owner
def write_registers(tid: int, changes: Callable[[Layout], dict[str, int]]) -> None:
    """Set some registers of a thread in ptrace-stop; ``changes`` names them in the thread's own layout.

    Values may be negative: they are stored as the register's two's complement.
    """
    layout, buffer, filled = _read(tid)
    count = filled // layout.word
    values = list(struct.unpack_from(_format(layout, count), buffer.raw))
    mask = (1 << (8 * layout.word)) - 1
    for name, value in changes(layout).items():
        values[layout.names.index(name)] = value & mask
    struct.pack_into(_format(layout, count), buffer, 0, *values)
    ptrace.set_regset(tid, ptrace.NT_PRSTATUS, buffer, filled)
