"""Helpers of the observe tests: a program traced by the real engine, in this process, and its output lines.

The observe package is a library under the session; its tests drive it the
way the session will: on an asyncio loop that is the ptrace owner, fed by a
real Tracer's events, reading the real /proc of a real program.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from procs import program

from dap_threads.engine.events import Event, Output
from dap_threads.engine.launch import launch
from dap_threads.engine.output import OutputPump
from dap_threads.engine.reaper import reaper_for
from dap_threads.engine.tracer import Tracer

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


class Lines:
    """The program's stdout, line by line, as it arrives."""

    def __init__(self, loop: asyncio.AbstractEventLoop, fd: int) -> None:
        self._text = ""
        self._changed = asyncio.Event()
        self.pump = OutputPump(loop, fd, "stdout", self._on_output)

    def _on_output(self, output: Output) -> None:
        self._text += output.text
        self._changed.set()

    async def until(self, pattern: str, timeout: float = 20) -> re.Match[str]:
        """Wait for a line matching ``pattern`` (a regular expression, anchored at a line start)."""
        regex = re.compile(pattern, re.MULTILINE)
        async with asyncio.timeout(timeout):
            while True:
                match = regex.search(self._text)
                if match:
                    return match
                self._changed.clear()
                await self._changed.wait()

    @property
    def text(self) -> str:
        return self._text


class Traced:
    def __init__(self, tracer: Tracer, lines: Lines) -> None:
        self.tracer = tracer
        self.lines = lines
        self.events: list[Event] = []
        tracer.subscribe(self.events.extend)

    @property
    def pid(self) -> int:
        return self.tracer.pid

    async def pause(self) -> None:
        await self.tracer.stop_all()

    def resume(self) -> None:
        self.tracer.resume()


@asynccontextmanager
async def traced(name: str, *args: object) -> AsyncIterator[Traced]:
    """Launch testdata program ``name`` under trace, running; kill it (if still alive) on the way out."""
    loop = asyncio.get_running_loop()
    launched = await launch(
        program(name),
        [str(a) for a in args],
        cwd=None,
        env=None,
        capture_output=True,
        reaper=reaper_for(loop),
        loop=loop,
    )
    assert launched.stdout_fd is not None and launched.stderr_fd is not None
    os.close(launched.stderr_fd)
    session = Traced(launched.tracer, Lines(loop, launched.stdout_fd))
    launched.tracer.publish()
    launched.tracer.resume()
    try:
        yield session
    finally:
        if session.tracer.exit is None:
            session.tracer.kill()
            async with asyncio.timeout(20):
                await session.tracer.wait_exit()
        session.lines.pump.close()


def roles(text: str) -> dict[str, tuple[int, str]]:
    """threadstates' "thread ROLE TID DETAIL" lines: role -> (tid, detail)."""
    found = re.findall(r"^thread (\w+) (\d+) (\S+)$", text, re.MULTILINE)
    return {role: (int(tid), detail) for role, tid, detail in found}
