"""Parsing the per-thread files of /proc/PID/task/TID (man 5 proc). Pure functions on bytes.

Only what the sampler shows is taken out of each file, so that parsing ten
thousand of them a second stays cheap.
"""

from __future__ import annotations

import attrs


@attrs.frozen(slots=True)
class Stat:
    """The fields of /proc/TID/stat the sampler uses."""

    name: str
    state: str  # the letter
    utime: int  # clock ticks
    stime: int
    processor: int


def parse_stat(data: bytes) -> Stat | None:
    """/proc/TID/stat; None if it is not one (an empty read of a thread that just ended)."""
    # comm (field 2) may hold spaces and parentheses: it ends at the last ')'.
    close = data.rfind(b")")
    if close < 0:
        return None
    open_ = data.find(b"(")
    fields = data[close + 2 :].split()
    if len(fields) < 37:
        return None
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15; processor is field 39.
    return Stat(
        name=data[open_ + 1 : close].decode("utf-8", "replace"),
        state=fields[0].decode(),
        utime=int(fields[11]),
        stime=int(fields[12]),
        processor=int(fields[36]),
    )


@attrs.frozen(slots=True)
class Status:
    """The fields of /proc/TID/status the sampler uses."""

    voluntary: int | None
    involuntary: int | None
    affinity: str | None


def _field(data: bytes, key: bytes) -> bytes | None:
    start = data.find(b"\n" + key)
    if start < 0:
        return None
    start += len(key) + 1
    end = data.find(b"\n", start)
    return data[start : end if end >= 0 else len(data)].strip()


def parse_status(data: bytes) -> Status:
    data = b"\n" + data  # every key then follows a newline (and "voluntary" is not "nonvoluntary")
    voluntary = _field(data, b"voluntary_ctxt_switches:")
    involuntary = _field(data, b"nonvoluntary_ctxt_switches:")
    affinity = _field(data, b"Cpus_allowed_list:")
    return Status(
        voluntary=int(voluntary) if voluntary else None,
        involuntary=int(involuntary) if involuntary else None,
        affinity=affinity.decode() if affinity else None,
    )


@attrs.frozen(slots=True)
class SyscallLine:
    """/proc/TID/syscall: the call a blocked thread is in.

    ``number`` is None when the thread runs ("running": the kernel reads the
    registers only of a thread that is off CPU) and -1 when it is blocked
    outside a syscall (a page fault, for instance).
    """

    number: int | None
    args: tuple[int, ...] = ()

    @property
    def running(self) -> bool:
        return self.number is None

    @property
    def in_syscall(self) -> bool:
        return self.number is not None and self.number >= 0


RUNNING = SyscallLine(None)


def parse_syscall(data: bytes) -> SyscallLine:
    """``NR ARG1 .. ARG6 SP PC`` (hex arguments), ``-1 SP PC``, or ``running``."""
    fields = data.split()
    if not fields or fields[0] == b"running":
        return RUNNING
    number = int(fields[0])
    if number < 0 or len(fields) < 7:
        return SyscallLine(-1)
    return SyscallLine(number, tuple(int(value, 16) for value in fields[1:7]))


def parse_wchan(data: bytes) -> str | None:
    """/proc/TID/wchan: a kernel symbol, or "0" when the thread runs (or the reader may not see symbols)."""
    text = data.strip().decode("ascii", "replace")
    return None if text in ("", "0") else text
