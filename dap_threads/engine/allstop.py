"""Bookkeeping of an all-stop in progress: which threads have yet to stop.

After PTRACE_INTERRUPT of every running thread, each one reports its stop
(or its exit) through waitpid, one at a time. Keeping the set of threads
still awaited makes each report O(1), so pausing 10,000 threads costs
10,000 small steps, not 10,000 scans of the thread table.

Some threads never report: a leader that called pthread_exit is a zombie
until its last thread ends, and the kernel says nothing of it meanwhile.
While threads are awaited, a timer asks the tracer to look for such threads
in /proc (``look_for_zombies``).

Catchpoints stop the program too, and several can fire at once (two threads
enter a caught syscall in the same microsecond, or a thread stopping for a
pause reports a clone first). One `stopped` event is sent for the first;
the others wait in ``pending`` and are reported, one at a time, instead of
resuming when the user continues, as gdb reports the events it held back.
A catch outranks a pause still being announced: its event answers the pause.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from .events import AllStopped

_ZOMBIE_CHECK_SECONDS = 0.05


class AllStop:
    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        emit: Callable[[AllStopped], None],
        look_for_zombies: Callable[[set[int]], None],
        publish: Callable[[], None],
    ) -> None:
        self._loop = loop
        self._emit = emit
        self._look_for_zombies = look_for_zombies
        self._publish = publish
        #: in the order the threads were interrupted (the order they tend to stop in): see Reaper._drain_awaited
        self._awaiting: dict[int, None] | None = None
        self._announce: AllStopped | None = None
        self._waiters: list[asyncio.Future[None]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._began = 0.0
        #: catchpoint stops not reported yet (see the module's docstring)
        self.pending: list[AllStopped] = []

    def begin(self, not_stopped: Iterable[int], announce: AllStopped | None) -> asyncio.Future[None]:
        """Start (or join) an all-stop; the future resolves when no thread is awaited."""
        waiter: asyncio.Future[None] = self._loop.create_future()
        self._waiters.append(waiter)
        if self._awaiting is None:
            self._began = self._loop.time()
            self._awaiting = dict.fromkeys(not_stopped)
        else:
            self._awaiting.update(dict.fromkeys(not_stopped))
        if announce is not None:
            self.announce(announce)
        self._check()
        return waiter

    def running_for(self) -> float:
        """Seconds since the all-stop in progress began."""
        return self._loop.time() - self._began

    def announce(self, stop: AllStopped) -> None:
        """Report ``stop`` when the all-stop in progress completes, or after the stop being shown."""
        if self._awaiting is None:
            if stop.cause is not None:
                self.pending.append(stop)  # already stopped and announced: reported on the next resume
            return
        current = self._announce
        if current is None or (current.cause is None and stop.cause is not None):
            self._announce = stop
        elif stop.cause is not None:
            self.pending.append(stop)

    def next_pending(self, alive: Callable[[int], object]) -> AllStopped | None:
        """The oldest pending catch whose thread is still alive (dropping those that are not)."""
        while self.pending:
            stop = self.pending.pop(0)
            if alive(stop.tid):
                return stop
        return None

    def awaited(self) -> list[int]:
        return list(self._awaiting) if self._awaiting else []

    def expect(self, tid: int) -> None:
        """A thread born during the all-stop: it will report its first stop."""
        if self._awaiting is not None:
            self._awaiting[tid] = None

    def settled(self, tid: int) -> None:
        """``tid`` stopped, or is gone."""
        if self._awaiting is not None and tid in self._awaiting:
            del self._awaiting[tid]
            self._check()

    def settled_all(self, tids: list[int]) -> None:
        """Each of ``tids`` stopped, or is gone."""
        if self._awaiting is not None and tids:
            for tid in tids:
                self._awaiting.pop(tid, None)
            self._check()

    def drop_announcement(self) -> None:
        """The user resumed before the stop completed: no `stopped` is due."""
        self._announce = None
        if not self._waiters:
            self._end()

    def finish(self) -> None:
        """The process is gone: release everyone waiting, announce nothing."""
        self._announce = None
        self.pending.clear()
        self._awaiting = {}
        self._check()

    def _check(self) -> None:
        if self._awaiting:
            if self._timer is None:
                self._timer = self._loop.call_later(_ZOMBIE_CHECK_SECONDS, self._on_timer)
            return
        announce, self._announce = self._announce, None
        waiters, self._waiters = self._waiters, []
        self._end()
        if announce is not None:
            self._emit(announce)
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def _end(self) -> None:
        self._awaiting = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _on_timer(self) -> None:
        self._timer = None
        if self._awaiting:
            self._look_for_zombies(set(self._awaiting))
            self._check()
            self._publish()
