"""A seccomp-BPF filter that stops only the calls a trace names (``dap-threads run --syscalls``).

PTRACE_SYSCALL stops every call of every thread twice, and a stop costs the
adapter tens of microseconds of Python: a program making many calls runs
several times slower than under strace. Installed in the launched program
before its exec, this filter lets every call through at full speed except
the named ones, which it hands to the tracer (SECCOMP_RET_TRACE: a
PTRACE_EVENT_SECCOMP stop at the call's entry; resuming with PTRACE_SYSCALL
then gives its exit; man 2 seccomp, man 2 ptrace). strace --seccomp-bpf
works the same way.

A seccomp filter cannot be removed, and a RET_TRACE call with no tracer
fails with ENOSYS: so it is only for a program traced from its first
instruction to its end (a launched program dies with its tracer through
PTRACE_O_EXITKILL), never for one that may be detached, and forked children
(which inherit it) must be traced too. Calls of another ABI than the
machine's (an i386 program on x86_64) all go to the tracer, which names and
filters them itself.

The BPF program (man 2 seccomp, linux/filter.h):

    ld  [4]                  ; seccomp_data.arch
    jne AUDIT_ARCH, trace
    ld  [0]                  ; seccomp_data.nr
    jeq NR_1, trace          ; one per named call
    ...
    ret ALLOW
  trace:
    ret TRACE | OUR_RET_DATA
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import struct
from collections.abc import Iterable

from . import Abi, host_abi, number_of

SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_TRACE = 0x7FF00000
#: SECCOMP_RET_DATA of our filter's RET_TRACE, the PTRACE_EVENT_SECCOMP event message: a stop with
#: other data comes from the program's own filter, whose call must fail with ENOSYS as untraced
#: (``skip``). A program's filter using this same value would be taken for ours (its calls would run).
OUR_RET_DATA = 0xDA75
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
X32_SYSCALL_BIT = 0x40000000

_AUDIT_ARCH = {Abi.X86_64: 0xC000003E, Abi.AARCH64: 0xC00000B7}

# BPF instruction classes and modes (linux/bpf_common.h).
_LD_W_ABS = 0x00 | 0x00 | 0x20
_JMP_JEQ_K = 0x05 | 0x10 | 0x00
_JMP_JGE_K = 0x05 | 0x30 | 0x00
_RET_K = 0x06 | 0x00
_INSN = struct.Struct("=HBBI")  # struct sock_filter: code, jt, jf, k

#: A conditional jump reaches at most 255 instructions ahead.
MAX_CALLS = 200


class SeccompUnavailable(Exception):
    """The filter cannot be built here (the message says why); trace with PTRACE_SYSCALL instead."""


def build(calls: Iterable[str], abi: Abi | None = None) -> bytes:
    """The filter program (sock_filter records) that hands ``calls`` to the tracer."""
    abi = abi or host_abi()
    if abi not in _AUDIT_ARCH:
        raise SeccompUnavailable(f"no seccomp filter for the {abi} ABI")
    numbers = sorted({n for n in (number_of(name, abi) for name in calls) if n is not None})
    if not numbers or len(numbers) > MAX_CALLS:
        raise SeccompUnavailable(f"a filter needs 1 to {MAX_CALLS} known calls, got {len(numbers)}")
    extra = 1 if abi is Abi.X86_64 else 0  # x32 calls (the bit set): to the tracer
    count = len(numbers) + extra
    program = [
        (_LD_W_ABS, 0, 0, 4),
        (_JMP_JEQ_K, 0, count + 2, _AUDIT_ARCH[abi]),  # another ABI: trace (jump past ALLOW)
        (_LD_W_ABS, 0, 0, 0),
    ]
    if extra:
        program.append((_JMP_JGE_K, count, 0, X32_SYSCALL_BIT))
    for i, number in enumerate(numbers):
        program.append((_JMP_JEQ_K, len(numbers) - i, 0, number))
    program += [(_RET_K, 0, 0, SECCOMP_RET_ALLOW), (_RET_K, 0, 0, SECCOMP_RET_TRACE | OUR_RET_DATA)]
    return b"".join(_INSN.pack(*insn) for insn in program)


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


# Loaded here, in the adapter: the forked child must not look for libc (find_library runs
# ldconfig, a child process of a child that is already traced).
_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def install(program: bytes) -> None:  # pragma: no cover - runs in the launched child, before exec
    """Install ``program`` in the calling process (OSError if the kernel refuses)."""
    libc = _libc
    buffer = ctypes.create_string_buffer(program, len(program))
    prog = _Program(len(program) // _INSN.size, ctypes.addressof(buffer))
    # Without CAP_SYS_ADMIN the kernel wants no_new_privs first (man 2 seccomp). A program
    # traced by a non-root tracer gains no privileges at a setuid exec anyway (man 2 execve).
    if os.geteuid() != 0 and libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP)")
