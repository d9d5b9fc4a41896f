"""Which syscall a thread in a syscall-stop is making: PTRACE_GET_SYSCALL_INFO (Linux 5.3).

The kernel says whether the stop is the call's entry or its exit, and gives
the call's number and arguments (entry) or its return value (exit) in one
layout for every architecture, with the ABI the call was made in (an i386
program on an x86_64 kernel makes i386 calls). No register layout, no
entry/exit bookkeeping of our own: ``struct ptrace_syscall_info`` in
linux/ptrace.h.
"""

from __future__ import annotations

import ctypes
import struct

import attrs

from .. import ptrace
from ..owner import on_ptrace_owner
from . import Abi

OP_NONE = 0
OP_ENTRY = 1
OP_EXIT = 2
OP_SECCOMP = 3

#: AUDIT_ARCH_* of linux/audit.h (EM_* | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE).
AUDIT_ARCHES = {0xC000003E: Abi.X86_64, 0x40000003: Abi.I386, 0xC00000B7: Abi.AARCH64}

# op, pad[3], arch, instruction_pointer, stack_pointer; then the union at offset 24.
_HEAD = struct.Struct("<B3xIQQ")
_ENTRY = struct.Struct("<Q6Q")  # nr, args[6] (the seccomp member starts the same way)
_EXIT = struct.Struct("<qB")  # rval, is_error
_RET_DATA = struct.Struct("<I")  # seccomp: ret_data, after nr and args
_SIZE = 88


@attrs.frozen
class SyscallInfo:
    op: int
    abi: Abi | None
    number: int
    args: tuple[int, ...]
    rval: int
    is_error: bool
    #: a seccomp stop's SECCOMP_RET_DATA: the filter's 16 bits, saying which filter handed the call over
    ret_data: int = 0


_buffer = ctypes.create_string_buffer(_SIZE)


@on_ptrace_owner
def syscall_info(tid: int) -> SyscallInfo:
    """The call ``tid`` is stopped in (OSError ESRCH if it is not in a ptrace-stop)."""
    ptrace.get_syscall_info(tid, _buffer)
    raw = _buffer.raw
    op, arch, _ip, _sp = _HEAD.unpack_from(raw, 0)
    abi = AUDIT_ARCHES.get(arch)
    if op in (OP_ENTRY, OP_SECCOMP):
        number, *args = _ENTRY.unpack_from(raw, 24)
        ret_data = _RET_DATA.unpack_from(raw, 24 + _ENTRY.size)[0] if op == OP_SECCOMP else 0
        return SyscallInfo(op, abi, number, tuple(args), 0, False, ret_data)
    if op == OP_EXIT:
        rval, is_error = _EXIT.unpack_from(raw, 24)
        return SyscallInfo(op, abi, -1, (), rval, bool(is_error))
    return SyscallInfo(op, abi, -1, (), 0, False)
