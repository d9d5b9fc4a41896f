"""What a session shows of its program's code: each stopped thread's stack, and the modules told to the client.

One stack reader (``stacks.open_reader``) per traced program, opened when
first needed and again after an exec. A thread's stack is read once per
stop and kept until it runs again: ``TracedThread.stop_serial`` says which
stop a stack belongs to, and every resume of the session drops them all, as
DAP frame ids are only valid while stopped ("Lifetime of Objects References").

Unwinding issues ptrace requests, so it runs on the loop (the ptrace
owner). Naming the frames may load debug info (about 100 ms for libc's), so
a walk whose addresses are not all named yet is finished on a worker
thread, and the loop goes on with the program's events meanwhile. The
program's and libc's debug info are loaded ahead, on a worker thread, as
soon as the session knows its program: the first stack after a pause then
does not pay for it.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Sequence
from typing import Any

from .. import fd_limit
from ..dap import messages as m
from ..dap.requests import RequestError
from ..engine.thread import TracedThread
from ..stacks import Stack, StackReader, TopFrameReader, UnwindError, open_reader
from ..stacks.unwind import unreadable_stack
from .module_table import ModuleTable

log = logging.getLogger(__name__)

Reader = StackReader | TopFrameReader

#: Threads walked between two returns to the loop in `bt all` (so thread events keep flowing).
_WALKS_PER_TURN = 256


class CallStacks:
    def __init__(self, send_event: Callable[[str, Any], None], loop: asyncio.AbstractEventLoop) -> None:
        self._send_event = send_event
        self._loop = loop
        self._pid: int | None = None
        self._reader: Reader | None = None
        self._stacks: dict[tuple[int, bool], tuple[int, Stack]] = {}  # (tid, registers) -> (stop serial, stack)
        self._exists: dict[str, bool] = {}
        self.modules = ModuleTable()
        #: source paths named to the client (frames, disassembly): the files `source` may serve
        self.shown_sources: set[str] = set()
        self.preloading: asyncio.Future[None] | None = None
        self._told_fallback = False
        self._told_fds = False

    # ----- the program ------------------------------------------------------------------

    def start(self, pid: int) -> None:
        """The program is known (attach, launch): tell the client its modules, load debug info ahead."""
        self._pid = pid
        self.sync_modules(force=True)
        reader = self._reader
        if isinstance(reader, StackReader):
            self.preloading = self._loop.run_in_executor(None, reader.preload)
            self.preloading.add_done_callback(_log_failure)

    def on_exec(self) -> None:
        """A new program in the same process: new modules, new code; the old reader knows neither."""
        self.close()
        self.forget_stop()
        if self._pid is not None:
            self.start(self._pid)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def reader(self) -> Reader:
        """The program's stack reader (UnwindError when its process cannot be read)."""
        if self._reader is None:
            if self._pid is None:
                raise UnwindError("no program is being debugged: send 'attach' or 'launch' first")
            self._reader = open_reader(self._pid)
            if isinstance(self._reader, TopFrameReader) and not self._told_fallback:
                self._told_fallback = True
                self._send_event("output", m.OutputEventBody(f"dap-threads: {self._reader.notice}\n", "important"))
        return self._reader

    def opened(self) -> Reader | None:
        """The reader if it is open already (opening one reads the process's modules: not on a hot path)."""
        return self._reader

    def sync_modules(self, force: bool = False) -> None:
        """Send `module` events for what changed since the client was last told (at each stop, at least)."""
        try:
            reader = self.reader()
            if not force and not reader.maps_changed():
                return
            reader.refresh()
            modules = reader.modules()
        except UnwindError as exc:
            log.warning("cannot list the modules: %s", exc)
            self.tell_if_out_of_fds()
            return
        for event in self.modules.update(modules):
            self._send_event("module", event)
        self.tell_if_out_of_fds()

    def tell_if_out_of_fds(self) -> None:
        """Say once, as an output event, that the adapter ran out of descriptors (``fd_limit``)."""
        if not self._told_fds and fd_limit.exhausted():
            self._told_fds = True
            text = fd_limit.message()
            log.warning("%s", text)
            self._send_event("output", m.OutputEventBody(text + "\n", "important"))

    # ----- stacks -----------------------------------------------------------------------

    def forget_stop(self) -> None:
        self._stacks.clear()
        self._exists.clear()

    async def stack(self, thread: TracedThread, registers: bool = False) -> Stack:
        """The stack of a stopped thread, read once per stop (``registers``: each frame's restored registers)."""
        key = (thread.tid, registers)
        cached = self._stacks.get(key)
        if cached is not None and cached[0] == thread.stop_serial:
            return cached[1]
        serial = thread.stop_serial
        try:
            reader = self.reader()
            walk = reader.walk(thread.tid, registers=registers)
            stack = reader.finish(walk) if reader.symbolized(walk) else await asyncio.to_thread(reader.finish, walk)
        except UnwindError as exc:
            self.tell_if_out_of_fds()
            raise RequestError(f"cannot read the stack of thread {thread.tid}: {exc}") from None
        self.tell_if_out_of_fds()
        self._stacks[key] = (serial, stack)
        return stack

    async def all_stacks(self, threads: Sequence[TracedThread]) -> list[Stack]:
        """Every thread's stack (a label frame for one that is running or cannot be read)."""
        try:
            reader = self.reader()
        except UnwindError as exc:
            raise RequestError(str(exc)) from None
        found: dict[int, Stack] = {}
        walks = []
        for i, thread in enumerate(threads):
            if i and i % _WALKS_PER_TURN == 0:
                await asyncio.sleep(0)
            cached = self._stacks.get((thread.tid, False))
            if cached is not None and cached[0] == thread.stop_serial:
                found[thread.tid] = cached[1]
            elif not thread.stopped:
                found[thread.tid] = unreadable_stack(thread.tid, "the thread is running")
            else:
                try:
                    walks.append((thread, thread.stop_serial, reader.walk(thread.tid)))
                except UnwindError as exc:
                    found[thread.tid] = unreadable_stack(thread.tid, str(exc))

        def finish_all() -> list[Stack]:
            return [reader.finish(walk) for _, _, walk in walks]

        try:
            cold = not all(reader.symbolized(walk) for _, _, walk in walks)
            stacks = await asyncio.to_thread(finish_all) if cold else finish_all()
        except UnwindError as exc:
            raise RequestError(str(exc)) from None
        for (thread, serial, _), stack in zip(walks, stacks):
            self._stacks[(thread.tid, False)] = (serial, stack)
            found[thread.tid] = stack
        return [found[thread.tid] for thread in threads]

    # ----- sources ----------------------------------------------------------------------

    def local_source(self, path: str | None) -> str | None:
        """``path`` if it is a file on this machine (checked once per stop), remembered as shown."""
        if not path or not os.path.isabs(path):
            return None
        exists = self._exists.get(path)
        if exists is None:
            exists = self._exists[path] = os.path.isfile(path)
        if exists:
            self.shown_sources.add(path)
            return path
        return None


def _log_failure(done: asyncio.Future[None]) -> None:
    if not done.cancelled() and done.exception() is not None:
        log.warning("loading debug info ahead failed: %s", done.exception())
