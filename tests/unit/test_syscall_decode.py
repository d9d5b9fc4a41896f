"""Syscalls as a person reads them, and the constants behind that checked against the kernel headers."""

from __future__ import annotations

import pytest

from dap_threads.engine.syscalls import decode, generate
from dap_threads.engine.syscalls.decode import describe

ADDR = 0x7F3A2C0010A8


def args(*values: int) -> tuple[int, ...]:
    return (*values, *([0] * (6 - len(values))))


@pytest.mark.parametrize(
    ("name", "registers", "text"),
    [
        ("futex", args(ADDR, 128), "futex(0x7f3a2c0010a8, FUTEX_WAIT_PRIVATE)"),
        ("futex", args(ADDR, 0), "futex(0x7f3a2c0010a8, FUTEX_WAIT)"),
        ("futex", args(ADDR, 9 | 128 | 256), "futex(0x7f3a2c0010a8, FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME)"),
        ("futex", args(ADDR, 99), "futex(0x7f3a2c0010a8, 0x63)"),
        ("read", args(0, ADDR, 4096), "read(0)"),
        ("read", args(0xFFFFFFFF), "read(-1)"),
        ("epoll_wait", args(5, ADDR, 16, 0xFFFFFFFF), "epoll_wait(5)"),
        ("epoll_pwait", args(5, ADDR, 16, 1000), "epoll_pwait(5, 1000 ms)"),
        ("accept", args(3, 0, 0), "accept(3)"),
        ("accept4", args(3, 0, 0, 0x80000), "accept4(3)"),
        ("nanosleep", args(ADDR, ADDR), "nanosleep"),
        ("clock_nanosleep", args(1, 0, ADDR), "clock_nanosleep(CLOCK_MONOTONIC)"),
        ("clock_nanosleep", args(0, 1, ADDR), "clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME)"),
        ("poll", args(ADDR, 2, 0xFFFFFFFF), "poll(2 fds)"),
        ("poll", args(ADDR, 2, 250), "poll(2 fds, 250 ms)"),
        ("ppoll", args(ADDR, 3, ADDR, 0, 8), "ppoll(3 fds)"),
        ("pselect6", args(7), "pselect6(nfds=7)"),
        ("wait4", args(0xFFFFFFFFFFFFFFFF), "wait4(-1)"),
        ("waitid", args(1, 4242), "waitid(P_PID, 4242)"),
        ("clone", args(0x4000 | 0x100 | 17), "clone(CLONE_VM|CLONE_VFORK|SIGCHLD)"),
        ("flock", args(4, 2 | 4), "flock(4, LOCK_EX|LOCK_NB)"),
        ("fcntl", args(4, 7, ADDR), "fcntl(4, F_SETLKW)"),
        ("pause", args(), "pause"),
        ("mmap", args(0, 4096, 3, 0x22), "mmap(0x0, 0x1000, 0x3)"),
    ],
)
def test_describe(name, registers, text):
    assert describe(name, registers) == text


def test_an_unknown_call_shows_as_many_arguments_as_asked():
    assert describe("openat", args(0xFFFFFF9C, ADDR, 0), unknown_args=6) == (
        "openat(0xffffff9c, 0x7f3a2c0010a8, 0x0, 0x0, 0x0, 0x0)"
    )


def _header(include: str) -> dict[str, int]:
    try:
        macros = generate.defines(generate.preprocess(f"#include <{include}>\n", *generate.host_include_args()))
    except generate.HeadersMissing as exc:
        pytest.skip(f"<{include}> cannot be read here: {exc}")
    values = {}
    for name, value in macros.items():
        try:
            values[name] = int(value.strip("()"), 0)
        except ValueError:
            pass
    return values


@pytest.mark.parametrize(
    ("include", "table", "prefix"),
    [
        ("linux/futex.h", decode.FUTEX_COMMANDS, "FUTEX_"),
        ("linux/sched.h", decode.CLONE_FLAGS, "CLONE_"),
        ("linux/time.h", decode.CLOCKS, "CLOCK_"),
        ("asm-generic/fcntl.h", decode.FCNTL_COMMANDS, "F_"),
        ("asm-generic/fcntl.h", decode.FLOCK_OPERATIONS, "LOCK_"),
    ],
)
def test_decoder_constants_are_the_kernels(include, table, prefix):
    header = _header(include)
    for value, name in table.items():
        assert name.startswith(prefix)
        assert header.get(name) == value, f"{name} is {header.get(name)} in <{include}>, {value} in decode.py"


def test_futex_flags_are_the_kernels():
    header = _header("linux/futex.h")
    assert header["FUTEX_PRIVATE_FLAG"] == decode.FUTEX_PRIVATE_FLAG
    assert header["FUTEX_CLOCK_REALTIME"] == decode.FUTEX_CLOCK_REALTIME
    assert _header("asm-generic/fcntl.h")["LOCK_NB"] == decode.LOCK_NB
