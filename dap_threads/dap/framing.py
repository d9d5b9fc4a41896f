"""A reader for pygls's framing loop that survives malformed frames.

pygls's ``run_async`` reads header lines until it has a Content-Length and
an empty line, then the body. Fed a header block without Content-Length, it
would read the body as if it were a header line, swallowing the *next*
frame's header with it, so one bad frame would cost a good one. This reader
notices such a block, logs it, and skips ahead to the next
``Content-Length:``, whose line it hands over in place of the empty line, so
the next well-formed request is answered (``pygls_bridge`` documents the
loop's contract this relies on). A body cut
short by end of input is handed over as it is (pygls logs the parse error),
and the following read reports end of input.
"""

from __future__ import annotations

import asyncio
import logging
import re

log = logging.getLogger(__name__)

_HEADER = b"Content-Length:"
# The same pattern pygls's loop accepts; anything else is not a length.
_VALID_LENGTH = re.compile(rb"^Content-Length: ([1-9]\d*)\r\n$")
_MAX_LINE = 1 << 20


class FrameReader:
    """``readline``/``readexactly`` over an asyncio StreamReader, with resynchronisation."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self._stream = stream
        self._saw_length = False

    async def readline(self) -> bytes:
        line = await self._next_line()
        at = line.find(_HEADER)
        if at > 0:
            # A body longer than its Content-Length leaves bytes that run into
            # the next frame's header line: drop them, keep the header.
            log.error("skipped %d bytes before a DAP header (a body longer than its Content-Length?)", at)
            line = line[at:]
        if _VALID_LENGTH.fullmatch(line):
            self._saw_length = True
        elif line in (b"\r\n", b"\n"):
            if not self._saw_length:
                log.error("DAP frame header without Content-Length: skipping to the next frame")
                return await self._resync()
            self._saw_length = False
            return b"\r\n"
        return line

    async def readexactly(self, n: int) -> bytes:
        self._saw_length = False
        try:
            return await self._stream.readexactly(n)
        except asyncio.IncompleteReadError as exc:
            log.error("input ended inside a DAP frame: %d of %d body bytes arrived", len(exc.partial), n)
            return exc.partial or b""

    async def _next_line(self) -> bytes:
        try:
            return await self._stream.readuntil(b"\n")
        except asyncio.IncompleteReadError as exc:
            return exc.partial  # b"" at a clean end of input
        except asyncio.LimitOverrunError as exc:
            # A "line" of over a MiB is junk, not a header: drop it and resynchronise.
            await self._stream.readexactly(exc.consumed)
            log.error("DAP input held a header line of over %d bytes: skipping to the next frame", exc.consumed)
            return await self._resync()

    async def _resync(self) -> bytes:
        try:
            junk = await self._stream.readuntil(_HEADER)
        except asyncio.IncompleteReadError:
            return b""
        except asyncio.LimitOverrunError as exc:
            await self._stream.readexactly(exc.consumed)
            return await self._resync()
        log.error("skipped %d bytes that were not a DAP frame", len(junk) - len(_HEADER))
        line = _HEADER + await self._next_line()
        self._saw_length = bool(_VALID_LENGTH.fullmatch(line))
        return line


def stream_reader(loop: asyncio.AbstractEventLoop) -> asyncio.StreamReader:
    return asyncio.StreamReader(limit=_MAX_LINE, loop=loop)
