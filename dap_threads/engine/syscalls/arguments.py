"""Calls whose arguments point into the program: paths, socket addresses, open flags.

A syscall catchpoint stops the thread at the call, so what its pointer
arguments point to can be read without a race (``Memory``): a path shows as
``"/etc/hosts"``, a socket address as ``{AF_INET, 127.0.0.1:8080}``. Without
memory (the sampler, which never stops the program) the pointers stay
numbers. Every other call is described by ``decode.describe``, the decoders
the thread-state sampler uses, so there is one decoder per call.

Flag and family values come from Python's ``os`` and ``socket`` modules,
which take them from the C library's headers of the machine the adapter
runs on (the ABI of its own programs).
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
import struct
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from .decode import as_int, describe

AT_FDCWD = -100
_PATH_LIMIT = 256


class Memory(Protocol):
    """The stopped program's memory (``peek``): None where it cannot be read."""

    def string(self, address: int, limit: int) -> bytes | None: ...

    def read(self, address: int, size: int) -> bytes | None: ...


# ----- values ---------------------------------------------------------------------------


def _flag_table(module: object, prefix: str, names: Sequence[str]) -> dict[int, str]:
    table = {}
    for name in names:
        value = getattr(module, prefix + name, 0)
        if value:
            table[value] = prefix + name
    return table


_OPEN_ACCESS = {os.O_RDONLY: "O_RDONLY", os.O_WRONLY: "O_WRONLY", os.O_RDWR: "O_RDWR"}
_OPEN_FLAGS = _flag_table(
    os,
    "O_",
    (
        "CREAT", "EXCL", "NOCTTY", "TRUNC", "APPEND", "NONBLOCK", "DSYNC", "ASYNC", "DIRECT",
        "DIRECTORY", "NOFOLLOW", "NOATIME", "CLOEXEC", "PATH", "SYNC",
    ),
)  # fmt: skip
# O_SYNC includes O_DSYNC's bit and O_TMPFILE includes O_DIRECTORY's: show the wider name once.
_OPEN_FLAGS.pop(os.O_SYNC, None)
_COMPOSITE = {
    name: value for name, value in (("O_SYNC", os.O_SYNC), ("O_TMPFILE", getattr(os, "O_TMPFILE", 0))) if value
}

_FAMILIES = {int(value): name for name, value in socket.AddressFamily.__members__.items()}
_SOCK_TYPES = _flag_table(socket, "SOCK_", ("STREAM", "DGRAM", "RAW", "RDM", "SEQPACKET"))
_SOCK_FLAGS = _flag_table(socket, "SOCK_", ("NONBLOCK", "CLOEXEC"))
_ACCESS_MODES = {os.R_OK: "R_OK", os.W_OK: "W_OK", os.X_OK: "X_OK"}


def open_flags(flags: int) -> str:
    flags &= 0xFFFFFFFF
    names = [_OPEN_ACCESS.get(flags & os.O_ACCMODE, hex(flags & os.O_ACCMODE))]
    rest = flags & ~os.O_ACCMODE
    for name, value in _COMPOSITE.items():
        if rest & value == value:
            names.append(name)
            rest &= ~value
    for value, name in _OPEN_FLAGS.items():
        if rest & value:
            names.append(name)
            rest &= ~value
    if rest:
        names.append(hex(rest))
    return "|".join(names)


def dirfd(value: int) -> str:
    fd = as_int(value)
    return "AT_FDCWD" if fd == AT_FDCWD else str(fd)


def mode(value: int) -> str:
    return f"0{value & 0o7777:o}"


def family(value: int) -> str:
    return _FAMILIES.get(value & 0xFFFF, str(value & 0xFFFF))


def socket_type(value: int) -> str:
    names = [_SOCK_TYPES.get(value & 0xF, str(value & 0xF))]
    names.extend(name for bit, name in _SOCK_FLAGS.items() if value & bit)
    return "|".join(names)


def access_mode(value: int) -> str:
    return "|".join(name for bit, name in _ACCESS_MODES.items() if value & bit) or "F_OK"


# ----- what pointers point to ---------------------------------------------------------------


def path(memory: Memory | None, address: int) -> str:
    if address == 0:
        return "NULL"
    if memory is None:
        return hex(address)
    text = memory.string(address, _PATH_LIMIT + 1)
    if text is None:
        return hex(address)
    return _quoted(text[:_PATH_LIMIT]) + ("..." if len(text) > _PATH_LIMIT else "")


def _quoted(raw: bytes) -> str:
    text = raw.decode("utf-8", "backslashreplace")
    return '"' + text.replace('"', '\\"') + '"'


def sockaddr(memory: Memory | None, address: int, length: int) -> str:
    """``{AF_INET, 127.0.0.1:8080}``, ``{AF_UNIX, "/run/x.sock"}``, ``{AF_UNIX, @"abstract"}``."""
    if address == 0:
        return "NULL"
    raw = memory.read(address, min(length & 0xFFFFFFFF, 128)) if memory is not None else None
    if raw is None or len(raw) < 2:
        return hex(address)
    (kind,) = struct.unpack_from("=H", raw)
    body = raw[2:]
    if kind == socket.AF_INET and len(body) >= 6:
        port = struct.unpack_from("!H", body)[0]
        return f"{{AF_INET, {ipaddress.IPv4Address(body[2:6])}:{port}}}"
    if kind == socket.AF_INET6 and len(body) >= 22:
        port = struct.unpack_from("!H", body)[0]
        return f"{{AF_INET6, [{ipaddress.IPv6Address(body[6:22])}]:{port}}}"
    if kind == socket.AF_UNIX:
        if not body:
            return "{AF_UNIX}"
        if body[0] == 0:  # the abstract namespace (man 7 unix)
            return "{AF_UNIX, @" + _quoted(body[1:]) + "}"
        return "{AF_UNIX, " + _quoted(body.split(b"\0", 1)[0]) + "}"
    return f"{{{family(kind)}}}"


# ----- decoders ------------------------------------------------------------------------------

Decoder = Callable[[Sequence[int], "Memory | None"], list[str]]


def _open(a: Sequence[int], m: Memory | None) -> list[str]:
    return [path(m, a[0]), open_flags(a[1]), *([mode(a[2])] if a[1] & os.O_CREAT else [])]


def _openat(a: Sequence[int], m: Memory | None) -> list[str]:
    return [dirfd(a[0]), path(m, a[1]), open_flags(a[2]), *([mode(a[3])] if a[2] & os.O_CREAT else [])]


def _openat2(a: Sequence[int], m: Memory | None) -> list[str]:
    return [dirfd(a[0]), path(m, a[1]), hex(a[2])]


def _path_only(a: Sequence[int], m: Memory | None) -> list[str]:
    return [path(m, a[0])]


def _path_mode(a: Sequence[int], m: Memory | None) -> list[str]:
    return [path(m, a[0]), mode(a[1])]


def _two_paths(a: Sequence[int], m: Memory | None) -> list[str]:
    return [path(m, a[0]), path(m, a[1])]


def _at_path(a: Sequence[int], m: Memory | None) -> list[str]:
    return [dirfd(a[0]), path(m, a[1])]


def _at_two_paths(a: Sequence[int], m: Memory | None) -> list[str]:
    return [dirfd(a[0]), path(m, a[1]), dirfd(a[2]), path(m, a[3])]


def _access(a: Sequence[int], m: Memory | None) -> list[str]:
    return [path(m, a[0]), access_mode(a[1])]


def _faccessat(a: Sequence[int], m: Memory | None) -> list[str]:
    return [dirfd(a[0]), path(m, a[1]), access_mode(a[2])]


def _execve(a: Sequence[int], m: Memory | None) -> list[str]:
    return [path(m, a[0])]


def _execveat(a: Sequence[int], m: Memory | None) -> list[str]:
    return [dirfd(a[0]), path(m, a[1])]


def _status(a: Sequence[int], m: Memory | None) -> list[str]:
    return [str(as_int(a[0]))]


def _socket(a: Sequence[int], m: Memory | None) -> list[str]:
    return [family(a[0]), socket_type(a[1]), str(as_int(a[2]))]


def _connect(a: Sequence[int], m: Memory | None) -> list[str]:
    return [str(as_int(a[0])), sockaddr(m, a[1], a[2]), str(a[2] & 0xFFFFFFFF)]


def _sendto(a: Sequence[int], m: Memory | None) -> list[str]:
    return [str(as_int(a[0])), f"{a[2]} bytes", *([sockaddr(m, a[4], a[5])] if a[4] else [])]


DECODERS: Mapping[str, Decoder] = {
    "open": _open,
    "creat": _path_mode,
    "openat": _openat,
    "openat2": _openat2,
    "access": _access,
    "faccessat": _faccessat,
    "faccessat2": _faccessat,
    "stat": _path_only,
    "lstat": _path_only,
    "newfstatat": _at_path,
    "fstatat64": _at_path,
    "statx": _at_path,
    "readlink": _path_only,
    "readlinkat": _at_path,
    "unlink": _path_only,
    "unlinkat": _at_path,
    "mkdir": _path_mode,
    "mkdirat": _at_path,
    "rmdir": _path_only,
    "chdir": _path_only,
    "rename": _two_paths,
    "renameat": _at_two_paths,
    "renameat2": _at_two_paths,
    "execve": _execve,
    "exit": _status,
    "exit_group": _status,
    "execveat": _execveat,
    "socket": _socket,
    "connect": _connect,
    "bind": _connect,
    "sendto": _sendto,
}


def describe_call(name: str, args: Sequence[int], memory: Memory | None) -> str:
    """``name(arguments)``, reading what pointers point to when ``memory`` is given."""
    decoder = DECODERS.get(name)
    if decoder is not None and len(args) >= 6:
        return f"{name}({', '.join(decoder(args, memory))})"
    return describe(name, args)


#: Calls whose result is an address, shown in hex.
_ADDRESS_RESULTS = frozenset({"mmap", "mmap2", "mremap", "brk", "shmat"})


def describe_result(name: str, value: int, is_error: bool) -> str:
    """``3``, ``0x7f2a1c000000``, or ``-1 ENOENT (No such file or directory)`` for a failure.

    The kernel returns -errno (man 2 syscall); the error's name and text come
    from Python's errno module, that is from the C library of this machine.
    """
    if is_error:
        code = -value
        name_of_error = errno.errorcode.get(code, f"errno {code}")
        return f"-1 {name_of_error} ({os.strerror(code)})"
    if name in _ADDRESS_RESULTS:
        return hex(value & 0xFFFFFFFFFFFFFFFF)
    return str(value)
