"""Reading a few bytes of a stopped program's memory: a path, a socket address.

process_vm_readv(2) copies from the program in one system call, with no file
to keep open (a /proc/PID/mem descriptor would go stale at the next exec).
It needs the right to ptrace the process, which a tracer has. A read that
runs into an unmapped page returns what it got before it; an address that
is not mapped at all reads as None, never as an exception.
"""

from __future__ import annotations

import ctypes
import ctypes.util

_PAGE = 4096

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
_readv = _libc.process_vm_readv
_readv.restype = ctypes.c_ssize_t
_readv.argtypes = [
    ctypes.c_int,
    ctypes.c_void_p,
    ctypes.c_ulong,
    ctypes.c_void_p,
    ctypes.c_ulong,
    ctypes.c_ulong,
]


class _Iovec(ctypes.Structure):
    _fields_ = [("iov_base", ctypes.c_void_p), ("iov_len", ctypes.c_size_t)]


def read_bytes(pid: int, address: int, size: int) -> bytes | None:
    """Up to ``size`` bytes at ``address`` of process ``pid`` (fewer at the end of a mapping; None if none)."""
    if address <= 0 or size <= 0:
        return None
    buffer = ctypes.create_string_buffer(size)
    local = _Iovec(ctypes.addressof(buffer), size)
    remote = _Iovec(address, size)
    got = _readv(pid, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)
    if got <= 0:
        return None
    return buffer.raw[:got]


def read_c_string(pid: int, address: int, limit: int = 4096) -> bytes | None:
    """The NUL-terminated string at ``address`` (at most ``limit`` bytes), or None if unreadable.

    Read page by page: a string that ends just before an unmapped page must
    not fail because the read asked for bytes beyond it.
    """
    if address <= 0:
        return None
    chunks: list[bytes] = []
    total = 0
    while total < limit:
        start = address + total
        size = min(_PAGE - start % _PAGE, limit - total)
        chunk = read_bytes(pid, start, size)
        if chunk is None:
            return b"".join(chunks) if chunks else None
        end = chunk.find(b"\0")
        if end >= 0:
            chunks.append(chunk[:end])
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)
