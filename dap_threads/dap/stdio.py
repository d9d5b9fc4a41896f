"""The adapter's stdin and stdout as a DAP wire, whatever the caller connected them to.

Editors give pipes (libuv-based ones, socketpairs); a person or a tool may give a regular
file, /dev/null, a terminal, or one socket for both directions (inetd, socat, systemd). asyncio's
pipe transports accept only pipes, sockets and character devices, and epoll refuses regular files
and /dev/null (EPERM, found only later in a loop callback, which left the adapter hanging). So
each end is classified first:

- a pipe, or a socket, is read and written by asyncio's transports; one socket that is both stdin
  and stdout gets one socket transport (a write-pipe transport reads its end to notice a close,
  and would take incoming requests for that);
- anything else (file, terminal, /dev/null) is read by a thread and written with blocking writes.
  A terminal is never set O_NONBLOCK: the flag belongs to the open file, which the user's shell
  shares, and it would stay set after we exit.
"""

from __future__ import annotations

import asyncio
import errno
import fcntl
import logging
import os
import socket
import stat
import threading
from typing import Any

from .framing import stream_reader

log = logging.getLogger(__name__)


class StdioRefused(ValueError):
    """stdin or stdout cannot carry DAP; the message says what to use instead."""


def claim_stdio() -> tuple[int, int]:
    """Copies of fds 0 and 1 for the wire; call it before the event loop exists.

    A closed fd 0 or 1 must be noticed first: the loop's own epoll and wakeup
    fds (or our copy of the other end) would otherwise be given that number.
    """
    _check_open(0, "stdin", "read requests from")
    _check_open(1, "stdout", "write responses and events to")
    # The copies go above 2: fds 0 and 1 are pointed elsewhere once the wire is set up.
    return fcntl.fcntl(0, fcntl.F_DUPFD_CLOEXEC, 3), fcntl.fcntl(1, fcntl.F_DUPFD_CLOEXEC, 3)


async def open_stdio(
    loop: asyncio.AbstractEventLoop, wire: tuple[int, int]
) -> tuple[asyncio.StreamReader, asyncio.WriteTransport]:
    """A reader and a transport for the fds that ``claim_stdio`` returned."""
    wire_in, wire_out = wire
    mode_in, mode_out = os.fstat(wire_in), os.fstat(wire_out)
    reader = stream_reader(loop)
    if stat.S_ISSOCK(mode_in.st_mode) and (mode_in.st_dev, mode_in.st_ino) == (mode_out.st_dev, mode_out.st_ino):
        os.close(wire_out)
        sock = socket.socket(fileno=wire_in)
        transport, _ = await loop.connect_accepted_socket(lambda: asyncio.StreamReaderProtocol(reader), sock)
        return reader, transport
    await _connect_reader(loop, reader, wire_in, mode_in.st_mode)
    return reader, await _connect_writer(loop, wire_out, mode_out.st_mode)


def _check_open(fd: int, name: str, purpose: str) -> None:
    try:
        os.fstat(fd)
    except OSError as exc:
        if exc.errno != errno.EBADF:
            raise
        raise StdioRefused(
            f"{name} is closed; dap-threads speaks DAP on stdin/stdout and needs them open to {purpose} "
            "the client (or serve on a socket with --listen)"
        ) from None


def _is_pipe_or_socket(mode: int) -> bool:
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


async def _connect_reader(loop: asyncio.AbstractEventLoop, reader: asyncio.StreamReader, fd: int, mode: int) -> None:
    if _is_pipe_or_socket(mode):
        wire = os.fdopen(fd, "rb", buffering=0)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), wire)
    else:
        _feed_from_thread(loop, reader, fd)


async def _connect_writer(loop: asyncio.AbstractEventLoop, fd: int, mode: int) -> asyncio.WriteTransport:
    if _is_pipe_or_socket(mode):
        wire = os.fdopen(fd, "wb", buffering=0)
        transport, _ = await loop.connect_write_pipe(asyncio.Protocol, wire)
        return transport
    return BlockingWriteTransport(fd)


def _feed_from_thread(loop: asyncio.AbstractEventLoop, reader: asyncio.StreamReader, fd: int) -> None:
    def feed(call: Any, *args: Any) -> bool:
        try:
            loop.call_soon_threadsafe(call, *args)
        except RuntimeError:  # the loop has closed: nobody is reading any more
            return False
        return True

    def pump() -> None:
        while True:
            try:
                data = os.read(fd, 65536)
            except OSError as exc:
                # A terminal that hung up reads EIO: for us, as any read error, the end of the input.
                if exc.errno != errno.EIO:
                    log.warning("reading stdin failed (%s): ending the session as at end of input", exc)
                data = b""
            if not data:
                feed(reader.feed_eof)
                return
            if not feed(reader.feed_data, data):
                return

    threading.Thread(target=pump, name="stdin-reader", daemon=True).start()


class BlockingWriteTransport(asyncio.WriteTransport):
    """Writes at once, blocking: for a regular file, /dev/null or a terminal, which epoll cannot watch.

    Such writes do not wait on a reader (a terminal's only while the user holds it with Ctrl-S).
    """

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd
        self._closing = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._closing:
            return
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self._fd, view) :]
        except OSError:
            self.close()  # the reader is gone (EPIPE) or the device failed: as a dropped pipe

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        if not self._closing:
            self._closing = True
            os.close(self._fd)

    def get_write_buffer_size(self) -> int:
        return 0
