"""The one place that calls waitpid: a SIGCHLD-woken, non-blocking drain.

Every tracee of this process reports its stops and its exit to the ptrace
owner through waitpid (man 2 ptrace, "Stopped states"). The reaper drains
them with ``waitpid(-1, WNOHANG | __WALL | __WNOTHREAD)``: __WALL so that
threads (clone children) are reported, __WNOTHREAD so that only this
thread's tracees and children are reaped, WNOHANG so that the asyncio loop
is never blocked. Statuses are routed by tid to the tracer that owns the
thread. The drain runs as soon as the loop sees SIGCHLD pending on a
signalfd (``sigchld``), in that same loop iteration; where a signalfd cannot
be used, asyncio's signal handler wakes it instead.

Each drain takes every status the kernel has before any tracer publishes an
event: every thread that can be resumed is resumed before the first byte of
a DAP message is built.

waitpid(-1) costs time in proportion to the number of tracees (the kernel
walks the tracer's whole list, and reaped stops stay in it), so collecting
the stops of an all-stop of N threads that way is O(N^2): seconds at
10,000 threads. While a tracer awaits particular stops, the drain first asks
for exactly those tids (``expect_stops``), which is O(1) each.

A new thread's first stop can be reported *before* its creator's
PTRACE_EVENT_CLONE (the kernel scans the tracee list newest first), and a
forked child's first stop before the PTRACE_EVENT_FORK that names it. Such a
status belongs to nobody yet: the reaper keeps it until the tracer that reads
the creator's event claims it (``claim``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Callable, Sequence
from typing import Protocol, cast

from ..wakeup import quiet_wakeup_fd
from . import fastptrace, ptrace
from .owner import claim_ptrace_owner, on_ptrace_owner
from .sigchld import SigchldFd

log = logging.getLogger(__name__)

_WAIT_FLAGS = os.WNOHANG | ptrace.WALL | ptrace.WNOTHREAD
_MAX_STATUSES_PER_DRAIN = 256
_MISSES_BEFORE_LATER = 64
_OWED_DRAIN_SECONDS = 0.003


class StatusSink(Protocol):
    """What a tracer offers the reaper."""

    def on_wait_status(self, tid: int, status: int) -> None: ...

    def publish(self) -> None: ...


class CloneSink(StatusSink, Protocol):
    """A tracer whose threads the compiled helper may resume (only a Tracer tells it to: ``set_running``)."""

    def on_clone_resumed(self, tid: int, child: int) -> None:
        """``tid``'s PTRACE_EVENT_CLONE, already resumed by the compiled helper; ``child`` is the new tid."""


class StopAwaiter(StatusSink, Protocol):
    def awaited_tids(self) -> list[int]: ...

    def on_awaited_statuses(self, records: list[int]) -> None:
        """Statuses of awaited tids, flat: tid, status, (unused), tid, status, ..."""


class Reaper:
    """Owns waitpid for one asyncio loop (and so one ptrace owner thread)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        claim_ptrace_owner()
        self._loop = loop
        self._sinks: dict[int, StatusSink] = {}
        self._unclaimed: dict[int, list[int]] = {}
        self._awaiters: dict[int, StopAwaiter] = {}
        #: the compiled helper, or None: the same work in Python
        self.fast = fastptrace.load()
        self._drain_scheduled = False
        self._drain_any_owed: asyncio.TimerHandle | None = None
        self._sigchld = SigchldFd.open(loop, self._on_signalfd)
        if self._sigchld is None:
            # Some thread may take SIGCHLD, so this one must too: asyncio's
            # handler wakes the loop from whichever thread the kernel picks.
            # Python runs signal handlers in the main thread, and asyncio only
            # accepts add_signal_handler there: the loop must be the main thread's.
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
            loop.add_signal_handler(signal.SIGCHLD, self._on_sigchld)
            quiet_wakeup_fd()  # each drain empties waitpid: a dropped wakeup byte is harmless
        log.info(
            "ptrace owner ready: woken by %s, system calls %s",
            "a signalfd" if self._sigchld is not None else "asyncio's SIGCHLD handler",
            "batched by the compiled helper" if self.fast is not None else "made from Python",
        )

    def close(self) -> None:
        if self._sigchld is not None:
            self._sigchld.close()
        else:
            self._loop.remove_signal_handler(signal.SIGCHLD)

    def register(self, tid: int, sink: StatusSink) -> None:
        self._sinks[tid] = sink

    def unregister(self, tid: int) -> None:
        self._sinks.pop(tid, None)

    def claim(self, tid: int, sink: StatusSink) -> Sequence[int]:
        """Route ``tid`` to ``sink`` from now on; return statuses that arrived before."""
        self._sinks[tid] = sink
        return self._unclaimed.pop(tid, ())

    def expect_stops(self, awaiter: StopAwaiter) -> None:
        """Poll ``awaiter.awaited_tids()`` one by one in each drain, until it has none."""
        self._awaiters[id(awaiter)] = awaiter

    def _on_signalfd(self) -> None:
        # At most one full drain per loop iteration, whichever way it was
        # woken: a drain that hit its bound has already scheduled the next
        # one, and requests get their turn in between.
        if not self._drain_scheduled:
            self.drain()

    def _on_sigchld(self) -> None:
        # asyncio calls this once per signal it saw, in one iteration; the
        # first drain empties waitpid for all of them.
        if not self._drain_scheduled:
            self._drain_scheduled = True
            self._loop.call_soon(self.drain)

    @on_ptrace_owner
    def drain(self) -> None:
        self._drain_scheduled = False
        touched: dict[int, StatusSink] = {}
        found = self._drain_awaited(touched) if self._awaiters else 0
        if found and self._awaiters:
            # An all-stop is collecting its stops, and this wake-up brought
            # some. waitpid(-1) walks every tracee (~5 ms at 10,000 threads),
            # so the rest of the queue waits for a wake-up that brings none of
            # the awaited stops, or a few milliseconds at most.
            self._owe_drain_any()
        else:
            self._drain_any(touched)
        self._publish(touched)

    def _publish(self, touched: dict[int, StatusSink]) -> None:
        # Events are built and written only now, after every tracee the drain
        # saw has been resumed: the slow work stays off the traced threads' path.
        for sink in touched.values():
            try:
                sink.publish()
            except Exception:
                log.exception("tracer failed while publishing events")

    def _owe_drain_any(self) -> None:
        if self._drain_any_owed is None:
            self._drain_any_owed = self._loop.call_later(_OWED_DRAIN_SECONDS, self._pay_drain_any)

    @on_ptrace_owner
    def _pay_drain_any(self) -> None:
        self._drain_any_owed = None
        touched: dict[int, StatusSink] = {}
        self._drain_any(touched)
        self._publish(touched)

    def _drain_awaited(self, touched: dict[int, StatusSink]) -> int:
        """Poll the stops an all-stop awaits, tid by tid (O(1) each); returns how many reported.

        The tids come in the order they were interrupted, which is roughly the
        order they stop in: the poll ends after a run of _MISSES_BEFORE_LATER
        that have not stopped yet. Those will each wake the loop again when
        they stop, and the next poll starts over from the first one still
        awaited; polling all 10,000 on every wake-up made an all-stop O(N^2).
        """
        found = 0
        for key, awaiter in list(self._awaiters.items()):
            tids = awaiter.awaited_tids()
            if not tids:
                del self._awaiters[key]
                continue
            on_wait_status = awaiter.on_wait_status
            touched[key] = awaiter
            if self.fast is not None:
                records = self.fast.wait_each(tids, _MISSES_BEFORE_LATER)
                found += len(records) // 3
                try:
                    awaiter.on_awaited_statuses(records)
                except Exception:  # a bug in one tracer must not stall every other tracee
                    log.exception("tracer failed to handle the statuses of an all-stop")
                continue
            found += self._poll_python(tids, on_wait_status)
        return found

    @staticmethod
    def _poll_python(tids: list[int], on_wait_status: Callable[[int, int], None]) -> int:
        waitpid, found, misses = os.waitpid, 0, 0
        for tid in tids:
            try:
                reported, status = waitpid(tid, _WAIT_FLAGS)
            except ChildProcessError:
                continue  # already reaped (gone), or not ours any more
            if not reported:
                misses += 1
                if misses >= _MISSES_BEFORE_LATER:
                    break
                continue
            misses = 0
            found += 1
            try:
                on_wait_status(reported, status)
            except Exception:  # a bug in one tracer must not stall every other tracee
                log.exception("tracer failed to handle status %#x of %d", status, reported)
        return found

    def _drain_any(self, touched: dict[int, StatusSink]) -> None:
        # Bounded: a program that never stops cloning would otherwise keep the
        # drain going forever and starve the requests waiting on the loop.
        more = self._drain_fast(touched) if self.fast is not None else self._drain_python(touched)
        if more and not self._drain_scheduled:
            self._drain_scheduled = True
            self._loop.call_soon(self.drain)  # more may be waiting: after the loop's other work

    def _drain_python(self, touched: dict[int, StatusSink]) -> bool:
        # The loop body is the routing inlined: it runs for every status.
        waitpid, sinks = os.waitpid, self._sinks
        for _ in range(_MAX_STATUSES_PER_DRAIN):
            try:
                tid, status = waitpid(-1, _WAIT_FLAGS)
            except ChildProcessError:
                return False  # no tracee and no child left
            if tid == 0:
                return False
            sink = sinks.get(tid)
            if sink is None:
                self._keep_unclaimed(tid, status)
                continue
            try:
                sink.on_wait_status(tid, status)
            except Exception:  # a bug in one tracer must not stall every other tracee
                log.exception("tracer failed to handle status %#x of %d", status, tid)
            touched[id(sink)] = sink
        return True

    def _drain_fast(self, touched: dict[int, StatusSink]) -> bool:
        # The helper has resumed what needed no decision: only clones (with
        # the new tid), exits and the stops it left alone come back.
        assert self.fast is not None
        records, state = self.fast.drain()
        sinks = self._sinks
        for i in range(0, len(records), 3):
            tid, status, child = records[i], records[i + 1], records[i + 2]
            sink = sinks.get(tid)
            if sink is None:
                if child >= 0:
                    log.error("clone of %d resumed for a tracer that no longer tracks it", tid)
                else:
                    self._keep_unclaimed(tid, status)
                continue
            try:
                if child >= 0:
                    # Only a Tracer sets threads running in the helper, so only a Tracer hears of resumed clones.
                    cast(CloneSink, sink).on_clone_resumed(tid, child)
                else:
                    sink.on_wait_status(tid, status)
            except Exception:  # a bug in one tracer must not stall every other tracee
                log.exception("tracer failed to handle status %#x of %d", status, tid)
            touched[id(sink)] = sink
        return state == 1

    def _keep_unclaimed(self, tid: int, status: int) -> None:
        self._unclaimed.setdefault(tid, []).append(status)
        if len(self._unclaimed) > 10_000:
            self._forget_oldest_unclaimed()

    def _forget_oldest_unclaimed(self) -> None:
        # Statuses of our own untraced children (none in normal use) would
        # otherwise pile up forever.
        for tid in list(self._unclaimed)[:1000]:
            del self._unclaimed[tid]


_reapers: dict[asyncio.AbstractEventLoop, Reaper] = {}


def reaper_for(loop: asyncio.AbstractEventLoop) -> Reaper:
    """The loop's reaper, created on first use (one per loop: waitpid(-1) sees all tracees)."""
    reaper = _reapers.get(loop)
    if reaper is None:
        reaper = _reapers[loop] = Reaper(loop)
    return reaper
