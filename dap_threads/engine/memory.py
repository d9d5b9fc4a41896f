"""Reading a traced process's memory through /proc/PID/mem, with the unreadable parts said as such.

/proc/PID/mem reads the address space of a process we may ptrace (man 5
proc, /proc/pid/mem: access mode PTRACE_MODE_ATTACH_FSCREDS), from any
thread and whether or not the process is stopped: no ptrace call is made,
so this does not have to run on the ptrace owner. A read that reaches an
unmapped page fails (EIO) or stops short there; the bytes before it are
still good, and the unreadable stretch ends where the next mapping of
/proc/PID/maps begins.
"""

from __future__ import annotations

import os

import attrs

PAGE = os.sysconf("SC_PAGE_SIZE")

#: The most one request may read (a DAP client pages through larger ranges).
MAX_READ = 1024 * 1024

ADDRESS_LIMIT = 1 << 64


class MemoryUnavailable(RuntimeError):
    """The process's memory cannot be opened at all (gone, or not ours); the message says which."""


@attrs.frozen
class Read:
    """``data`` from the address asked for, then ``unreadable`` bytes that could not be read."""

    address: int
    data: bytes
    unreadable: int


def read(pid: int, address: int, count: int) -> Read:
    """Up to ``count`` bytes at ``address``: the readable prefix, and how many bytes after it are unreadable."""
    if not 0 <= count <= MAX_READ:
        raise ValueError(f"can read from 0 to {MAX_READ} bytes at a time, not {count}")
    if not 0 <= address < ADDRESS_LIMIT:
        raise ValueError(f"{address:#x} is not a 64-bit address")
    count = min(count, ADDRESS_LIMIT - address)
    try:
        fd = os.open(f"/proc/{pid}/mem", os.O_RDONLY | os.O_CLOEXEC)
    except OSError as exc:
        raise MemoryUnavailable(f"cannot open the memory of process {pid}: {exc.strerror}") from None
    try:
        data = _readable_prefix(fd, address, count)
    finally:
        os.close(fd)
    if len(data) == count:
        return Read(address, data, 0)
    failed_at = address + len(data)
    return Read(address, data, _unreadable_run(pid, failed_at, address + count))


def _readable_prefix(fd: int, address: int, count: int) -> bytes:
    """All of it in one pread when it is all mapped; else page by page up to the first page that fails."""
    try:
        data = os.pread(fd, count, address)
    except OSError:
        data = b""
    if len(data) == count:
        return data
    found = bytearray(data)
    position = address + len(found)
    while len(found) < count:
        size = min(count - len(found), PAGE - position % PAGE)
        try:
            piece = os.pread(fd, size, position)
        except OSError:
            break
        found += piece
        position += len(piece)
        if len(piece) < size:
            break
    return bytes(found)


def _unreadable_run(pid: int, at: int, limit: int) -> int:
    """How many bytes from ``at`` (before ``limit``) cannot be read: up to the next readable mapping.

    In a mapping that says it is readable but failed (device memory, a
    truncated file), only the rest of the page.
    """
    for start, end in _readable_spans(pid):
        if start <= at < end:
            return min(limit, at - at % PAGE + PAGE) - at
        if start > at:
            return min(limit, start) - at
    return limit - at


def _readable_spans(pid: int) -> list[tuple[int, int]]:
    try:
        with open(f"/proc/{pid}/maps", "rb") as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    spans = []
    for line in lines:
        fields = line.split(maxsplit=2)
        if len(fields) >= 2 and fields[1].startswith(b"r"):
            start, _, end = fields[0].partition(b"-")
            spans.append((int(start, 16), int(end, 16)))
    return spans
