"""General-purpose registers of a stopped thread (NT_PRSTATUS via PTRACE_GETREGSET).

The register layout of each architecture lives here and only here: the
order of ``struct user_regs_struct`` in the kernel's asm/ptrace.h (x86_64)
or ``struct user_pt_regs`` (aarch64). Adding an architecture is adding a
Layout.
"""

from __future__ import annotations

import ctypes
import os
import struct

import attrs

from . import ptrace
from .owner import on_ptrace_owner


@attrs.frozen
class Layout:
    names: tuple[str, ...]
    pc: str
    sp: str


X86_64 = Layout(
    names=(
        "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8",
        "rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "eflags",
        "rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs",
    ),
    pc="rip",
    sp="rsp",
)  # fmt: skip

AARCH64 = Layout(names=(*(f"x{i}" for i in range(31)), "sp", "pc", "pstate"), pc="pc", sp="sp")

LAYOUTS = {"x86_64": X86_64, "aarch64": AARCH64}


def host_layout() -> Layout:
    machine = os.uname().machine  # what platform.machine() returns, without importing platform (~3 ms)
    try:
        return LAYOUTS[machine]
    except KeyError:
        raise NotImplementedError(f"registers are not supported on {machine} yet") from None


@on_ptrace_owner
def read_registers(tid: int) -> dict[str, int]:
    """Register name -> value for a thread in ptrace-stop (OSError ESRCH if it is not)."""
    layout = host_layout()
    buffer = ctypes.create_string_buffer(8 * len(layout.names))
    filled = ptrace.get_regset(tid, buffer)
    count = filled // 8
    values = struct.unpack_from(f"<{count}Q", buffer.raw)
    return dict(zip(layout.names, values))
