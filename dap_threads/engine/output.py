"""Forwarding a launched program's stdout and stderr as Output events."""

from __future__ import annotations

import asyncio
import codecs
import os
from collections.abc import Callable

from .events import Output


class OutputPump:
    """Reads one pipe on the loop and hands each chunk, decoded, to ``sink``."""

    def __init__(self, loop: asyncio.AbstractEventLoop, fd: int, stream: str, sink: Callable[[Output], None]) -> None:
        self._loop = loop
        self._fd = fd
        self._stream = stream
        self._sink = sink
        # Incremental: a UTF-8 character split across two reads stays whole.
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.closed = asyncio.Event()
        os.set_blocking(fd, False)
        loop.add_reader(fd, self._readable)

    def _readable(self) -> None:
        try:
            data = os.read(self._fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            text = self._decoder.decode(data)
            if text:
                self._sink(Output(self._stream, text))
            return
        tail = self._decoder.decode(b"", final=True)
        if tail:
            self._sink(Output(self._stream, tail))
        self.close()

    def close(self) -> None:
        if self.closed.is_set():
            return
        self._loop.remove_reader(self._fd)
        os.close(self._fd)
        self.closed.set()
