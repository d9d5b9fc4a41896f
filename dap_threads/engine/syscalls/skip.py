"""Skipping a call at its entry, so that it fails with ENOSYS without running.

A program's own seccomp filter may answer SECCOMP_RET_TRACE. Without a
tracer, or with one that did not set PTRACE_O_TRACESECCOMP, the kernel then
fails the call with ENOSYS (man 2 seccomp, SECCOMP_RET_TRACE: "If there is
no tracer present, ... the system call is not executed and returns a failure
status with errno set to ENOSYS"). ``dap-threads run --syscalls`` sets that
option for a filter of its own, so such a call would stop in
PTRACE_EVENT_SECCOMP and, resumed, run: traced and untraced would differ.
At that stop the tracer "can skip the system call by changing the system
call number to -1", and the call then "appears to return the value that the
tracer puts in the return value register" (man 2 seccomp): -ENOSYS, as
untraced.
"""

from __future__ import annotations

import ctypes
import errno
import struct

from .. import ptrace
from ..owner import on_ptrace_owner
from ..registers import AARCH64, I386, X86_64, Layout, host_layout, write_registers

#: The return value register, and the call number where the architecture keeps it with the registers.
_SKIPPED = {
    X86_64: {"orig_rax": -1, "rax": -errno.ENOSYS},
    I386: {"orig_eax": -1, "eax": -errno.ENOSYS},  # a 32-bit program on an x86_64 kernel
    AARCH64: {"x0": -errno.ENOSYS},  # x0 holds the first argument until the call returns
}


def _changes(layout: Layout) -> dict[str, int]:
    try:
        return _SKIPPED[layout]
    except KeyError:
        raise NotImplementedError(f"skipping a call is not supported for {layout.pc} registers") from None


@on_ptrace_owner
def skip_call(tid: int) -> None:
    """Make the call ``tid`` is stopped at the entry of fail with ENOSYS, unrun (OSError ESRCH if it is gone)."""
    write_registers(tid, _changes)
    if host_layout() is AARCH64:
        # aarch64 keeps the number apart from the registers (man 2 ptrace: NT_ARM_SYSTEM_CALL, an int).
        number = ctypes.create_string_buffer(struct.pack("<i", -1), 4)
        ptrace.set_regset(tid, ptrace.NT_ARM_SYSTEM_CALL, number, 4)
