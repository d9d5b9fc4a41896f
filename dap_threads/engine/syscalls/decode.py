"""Syscalls written as a person reads them: ``futex(0x7f3a2c0010a8, FUTEX_WAIT_PRIVATE)``, ``read(0)``.

Decoders exist for the calls threads block in (the answer to "what is this
thread waiting for?"); a call without one shows its first arguments in hex.
Only the register values are used: nothing is read from the program's memory,
so describing a call never touches the program.

The flag and command values are the kernel's uapi ones (linux/futex.h,
linux/sched.h, linux/time.h, asm-generic/fcntl.h); ``tests/unit/test_syscall_decode.py``
checks them against the machine's headers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import attrs


@attrs.frozen
class Call:
    """A syscall in progress: its number, name and the six argument registers."""

    number: int
    name: str
    args: tuple[int, ...]

    def describe(self) -> str:
        return describe(self.name, self.args)


# ----- values ------------------------------------------------------------------

FUTEX_COMMANDS: Mapping[int, str] = {
    0: "FUTEX_WAIT",
    1: "FUTEX_WAKE",
    2: "FUTEX_FD",
    3: "FUTEX_REQUEUE",
    4: "FUTEX_CMP_REQUEUE",
    5: "FUTEX_WAKE_OP",
    6: "FUTEX_LOCK_PI",
    7: "FUTEX_UNLOCK_PI",
    8: "FUTEX_TRYLOCK_PI",
    9: "FUTEX_WAIT_BITSET",
    10: "FUTEX_WAKE_BITSET",
    11: "FUTEX_WAIT_REQUEUE_PI",
    12: "FUTEX_CMP_REQUEUE_PI",
    13: "FUTEX_LOCK_PI2",
}
FUTEX_PRIVATE_FLAG = 128
FUTEX_CLOCK_REALTIME = 256

CLOCKS: Mapping[int, str] = {
    0: "CLOCK_REALTIME",
    1: "CLOCK_MONOTONIC",
    2: "CLOCK_PROCESS_CPUTIME_ID",
    3: "CLOCK_THREAD_CPUTIME_ID",
    4: "CLOCK_MONOTONIC_RAW",
    5: "CLOCK_REALTIME_COARSE",
    6: "CLOCK_MONOTONIC_COARSE",
    7: "CLOCK_BOOTTIME",
    8: "CLOCK_REALTIME_ALARM",
    9: "CLOCK_BOOTTIME_ALARM",
    11: "CLOCK_TAI",
}
TIMER_ABSTIME = 1

CLONE_FLAGS: Mapping[int, str] = {
    0x00000100: "CLONE_VM",
    0x00000200: "CLONE_FS",
    0x00000400: "CLONE_FILES",
    0x00000800: "CLONE_SIGHAND",
    0x00001000: "CLONE_PIDFD",
    0x00002000: "CLONE_PTRACE",
    0x00004000: "CLONE_VFORK",
    0x00008000: "CLONE_PARENT",
    0x00010000: "CLONE_THREAD",
    0x00020000: "CLONE_NEWNS",
    0x00040000: "CLONE_SYSVSEM",
    0x00080000: "CLONE_SETTLS",
    0x00100000: "CLONE_PARENT_SETTID",
    0x00200000: "CLONE_CHILD_CLEARTID",
    0x00400000: "CLONE_DETACHED",
    0x00800000: "CLONE_UNTRACED",
    0x01000000: "CLONE_CHILD_SETTID",
    0x02000000: "CLONE_NEWCGROUP",
    0x04000000: "CLONE_NEWUTS",
    0x08000000: "CLONE_NEWIPC",
    0x10000000: "CLONE_NEWUSER",
    0x20000000: "CLONE_NEWPID",
    0x40000000: "CLONE_NEWNET",
    0x80000000: "CLONE_IO",
}
CSIGNAL = 0xFF

#: fcntl commands worth naming: the ones that block (F_SETLKW, F_OFD_SETLKW) and their neighbours.
FCNTL_COMMANDS: Mapping[int, str] = {
    5: "F_GETLK",
    6: "F_SETLK",
    7: "F_SETLKW",
    36: "F_OFD_GETLK",
    37: "F_OFD_SETLK",
    38: "F_OFD_SETLKW",
}

#: flock operations (sys/file.h); LOCK_NB is or-ed in.
FLOCK_OPERATIONS: Mapping[int, str] = {1: "LOCK_SH", 2: "LOCK_EX", 8: "LOCK_UN"}
LOCK_NB = 4

SIGNALS: Mapping[int, str] = {17: "SIGCHLD"}


# ----- argument kinds ------------------------------------------------------------


def as_int(value: int) -> int:
    """A C ``int`` argument: the low 32 bits of its register, signed."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def as_long(value: int) -> int:
    value &= 0xFFFFFFFFFFFFFFFF
    return value - (1 << 64) if value & (1 << 63) else value


def futex_op(op: int) -> str:
    command = FUTEX_COMMANDS.get(op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME) & 0xFFFFFFFF)
    if command is None:
        return hex(op)
    if op & FUTEX_PRIVATE_FLAG:
        command += "_PRIVATE"
    if op & FUTEX_CLOCK_REALTIME:
        command += "|FUTEX_CLOCK_REALTIME"
    return command


def clone_flags(flags: int) -> str:
    names = [name for bit, name in CLONE_FLAGS.items() if flags & bit]
    unknown = flags & ~CSIGNAL & ~sum(CLONE_FLAGS) & 0xFFFFFFFF
    if unknown:
        names.append(hex(unknown))
    if flags & CSIGNAL:
        names.append(SIGNALS.get(flags & CSIGNAL, f"signal {flags & CSIGNAL}"))
    return "|".join(names) or "0"


def clock(clock_id: int) -> str:
    return CLOCKS.get(as_int(clock_id), str(as_int(clock_id)))


def flock_operation(op: int) -> str:
    name = FLOCK_OPERATIONS.get(op & ~LOCK_NB, hex(op & ~LOCK_NB))
    return name + "|LOCK_NB" if op & LOCK_NB else name


def timeout_ms(value: int) -> list[str]:
    ms = as_int(value)
    return [] if ms < 0 else [f"{ms} ms"]


# ----- decoders --------------------------------------------------------------------

Decoder = Callable[[Sequence[int]], list[str]]


def _fd(args: Sequence[int]) -> list[str]:
    return [str(as_int(args[0]))]


def _futex(args: Sequence[int]) -> list[str]:
    return [hex(args[0]), futex_op(args[1])]


def _clock_nanosleep(args: Sequence[int]) -> list[str]:
    return [clock(args[0]), *(["TIMER_ABSTIME"] if args[1] & TIMER_ABSTIME else [])]


def _poll(args: Sequence[int]) -> list[str]:
    return [f"{args[1]} fds", *timeout_ms(args[2])]


def _ppoll(args: Sequence[int]) -> list[str]:
    return [f"{args[1]} fds"]


def _select(args: Sequence[int]) -> list[str]:
    return [f"nfds={as_int(args[0])}"]


def _epoll_wait(args: Sequence[int]) -> list[str]:
    return [str(as_int(args[0])), *timeout_ms(args[3])]


def _wait4(args: Sequence[int]) -> list[str]:
    return [str(as_int(args[0]))]


def _waitid(args: Sequence[int]) -> list[str]:
    kinds = {0: "P_ALL", 1: "P_PID", 2: "P_PGID", 3: "P_PIDFD"}
    return [kinds.get(as_int(args[0]), str(as_int(args[0]))), str(as_int(args[1]))]


def _clone(args: Sequence[int]) -> list[str]:
    return [clone_flags(args[0])]


def _fcntl(args: Sequence[int]) -> list[str]:
    command = as_int(args[1])
    return [str(as_int(args[0])), FCNTL_COMMANDS.get(command, str(command))]


def _flock(args: Sequence[int]) -> list[str]:
    return [str(as_int(args[0])), flock_operation(args[1])]


def _ioctl(args: Sequence[int]) -> list[str]:
    return [str(as_int(args[0])), hex(args[1] & 0xFFFFFFFF)]


def _futex_waitv(args: Sequence[int]) -> list[str]:
    return [f"{args[1]} waiters"]


def _bare(args: Sequence[int]) -> list[str]:
    return []


_FD_FIRST = (
    "read",
    "write",
    "readv",
    "writev",
    "pread64",
    "pwrite64",
    "preadv",
    "pwritev",
    "preadv2",
    "pwritev2",
    "recvfrom",
    "recvmsg",
    "recvmmsg",
    "recvmmsg_time64",
    "sendto",
    "sendmsg",
    "sendmmsg",
    "accept",
    "accept4",
    "connect",
    "fsync",
    "fdatasync",
    "sync_file_range",
    "io_uring_enter",
    "splice",
    "tee",
    "sendfile",
    "sendfile64",
    "close",
)

#: Calls whose registers say nothing a person needs (the timespec of nanosleep is in memory).
_BARE = (
    "nanosleep",
    "pause",
    "sched_yield",
    "rt_sigsuspend",
    "rt_sigtimedwait",
    "rt_sigtimedwait_time64",
    "sigsuspend",
)

DECODERS: Mapping[str, Decoder] = {
    **dict.fromkeys(_FD_FIRST, _fd),
    **dict.fromkeys(_BARE, _bare),
    "futex": _futex,
    "futex_time64": _futex,
    "futex_waitv": _futex_waitv,
    "clock_nanosleep": _clock_nanosleep,
    "clock_nanosleep_time64": _clock_nanosleep,
    "poll": _poll,
    "ppoll": _ppoll,
    "ppoll_time64": _ppoll,
    "select": _select,
    "_newselect": _select,
    "pselect6": _select,
    "pselect6_time64": _select,
    "epoll_wait": _epoll_wait,
    "epoll_pwait": _epoll_wait,
    "epoll_pwait2": _fd,  # its timeout is a pointer
    "wait4": _wait4,
    "waitpid": _wait4,
    "waitid": _waitid,
    "clone": _clone,
    "fcntl": _fcntl,
    "fcntl64": _fcntl,
    "flock": _flock,
    "ioctl": _ioctl,
}


def describe(name: str, args: Sequence[int], unknown_args: int = 3) -> str:
    """``name(decoded arguments)``; a call without a decoder shows ``unknown_args`` arguments in hex."""
    decoder = DECODERS.get(name)
    if decoder is _bare:
        return name
    if decoder is None or len(args) < 6:  # /proc/TID/syscall always has six
        return f"{name}({', '.join(hex(value) for value in args[:unknown_args])})"
    return f"{name}({', '.join(decoder(args))})"


def is_decoded(name: str) -> bool:
    return name in DECODERS
