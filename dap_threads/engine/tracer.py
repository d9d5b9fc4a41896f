"""A traced process: its threads, and what to do with each stop they report.

The tracer is fed wait statuses by the reaper and decides, per stop, whether
to resume the thread at once (the user wants it running) or to hold it
(all-stop pause). It turns what it learns into engine events (``events``),
published in a batch after each drain so that event building never delays
a traced thread.

Thread lifetimes (man 2 ptrace, PTRACE_O_TRACECLONE): a clone stops the
creator in PTRACE_EVENT_CLONE, whose event message is the new tid; the new
thread starts in a PTRACE_EVENT_STOP of its own. The two reports may arrive
in either order, and the new thread may even have exited before its
creator's event is read; the reaper keeps such early statuses until the
creator's event claims them. A thread's end is its exit status from waitpid
(__WALL), which costs no extra stop (no PTRACE_O_TRACEEXIT).

Following forks, execs, new threads and syscalls lives in modules of its own
(``fork``, ``exec``, ``newthread``, ``syscalls.catch``, ``vfork``); the
tracer only hands them the stops they are about.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from collections.abc import Callable

from . import procfs, ptrace, vfork
from .allstop import AllStop
from .events import AllStopped, Cause, Event, ProcessExited, ThreadExited, ThreadStarted
from .exec import after_exec
from .fork import FollowFork, ForkFollower
from .newthread import NewThreadWatch
from .owner import on_ptrace_owner
from .reaper import Reaper
from .syscalls.catch import SyscallCatch, on_seccomp_stop, on_syscall_stop
from .thread import TracedThread
from .waitstatus import Kind, classify, exit_description

log = logging.getLogger(__name__)

Listener = Callable[[list[Event]], None]

#: Options for every tracee. No PTRACE_O_EXITKILL here: if the adapter dies,
#: the kernel detaches and an attached program must keep running.
#: PTRACE_O_TRACESYSGOOD only marks syscall-stops, which happen only while a
#: syscall catchpoint resumes threads with PTRACE_SYSCALL: without one it
#: costs nothing, and set once here it needs no PTRACE_SETOPTIONS per thread.
BASE_OPTIONS = (
    ptrace.PTRACE_O_TRACECLONE
    | ptrace.PTRACE_O_TRACEFORK
    | ptrace.PTRACE_O_TRACEVFORK
    | ptrace.PTRACE_O_TRACEEXEC
    | ptrace.PTRACE_O_TRACESYSGOOD
)


class Tracer:
    """One traced process (thread group). Lives on the ptrace owner thread."""

    def __init__(self, pid: int, reaper: Reaper, loop: asyncio.AbstractEventLoop) -> None:
        self.pid = pid
        self.threads: dict[int, TracedThread] = {}
        self.exit: ProcessExited | None = None
        self._reaper = reaper
        self._loop = loop
        self._listeners: list[Listener] = []
        self._events: list[Event] = []
        self._exit_waiters: list[asyncio.Future[ProcessExited | None]] = []
        self._allstop = AllStop(loop, self.emit, self._look_for_zombies, self.publish)
        self.detached = False
        #: what happens to forked children (gdb's follow-fork-mode), and to the process at exec
        self.forks = ForkFollower(self, reaper)
        self.follow_fork = FollowFork.PARENT
        self.follow_exec = True
        #: catchpoints: None when not set
        self.new_threads: NewThreadWatch | None = None
        self.syscalls: SyscallCatch | None = None
        #: PTRACE_SYSCALL while a syscall catchpoint is set, else PTRACE_CONT
        self.resume_request = ptrace.PTRACE_CONT
        #: False when the leader had exited (pthread_exit) before the attach: see ``adopt_exited_leader``
        self.leader_traced = True

    # ----- listeners and events -------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def emit(self, event: Event) -> None:
        self._events.append(event)

    def publish(self) -> None:
        """Hand the events learned since the last call to the listeners, in one batch."""
        if not self._events:
            return
        batch, self._events = self._events, []
        for listener in self._listeners:
            listener(batch)

    # ----- thread table ---------------------------------------------------

    def add_thread(self, tid: int, creator: int | None, want_running: bool) -> TracedThread:
        thread = TracedThread(tid, creator, want_running)
        self.threads[tid] = thread
        self.emit(ThreadStarted(tid, creator, time.time()))
        return thread

    def adopt(self, tid: int, want_running: bool) -> TracedThread:
        """Track a thread seized outside a clone event (attach, launch)."""
        self._reaper.register(tid, self)
        return self.add_thread(tid, None, want_running)

    def adopt_exited_leader(self) -> None:
        """Track a leader that called pthread_exit before the attach: shown started then exited.

        The kernel refuses to seize an exited thread (EPERM), and it reports a
        zombie leader only to its parent, once the whole group is gone: we are
        neither, so the process ends for us when its last traced thread is
        reaped (``_on_thread_gone``). The leader stays registered so that an
        exec from a surviving thread, which takes the leader's tid, reaches us.
        """
        self.leader_traced = False
        self._announce_exit(self.adopt(self.pid, want_running=True))

    @property
    def is_live(self) -> bool:
        """Still tracing: the process has not exited and we have not detached."""
        return self.exit is None and not self.detached

    def live_thread(self, tid: int) -> TracedThread | None:
        """The thread ``tid`` if it is ours and its exit has not been announced."""
        thread = self.threads.get(tid)
        return thread if thread is not None and not thread.exit_announced else None

    def live_threads(self) -> list[TracedThread]:
        return [t for t in self.threads.values() if not t.exit_announced]

    def _announce_exit(self, thread: TracedThread) -> None:
        if not thread.exit_announced:
            thread.exit_announced = True
            self.emit(ThreadExited(thread.tid, time.time()))
            self._allstop.settled(thread.tid)

    # ----- wait statuses --------------------------------------------------

    def on_wait_status(self, tid: int, status: int) -> None:
        # Called only by Reaper.drain, which checks it runs on the ptrace owner.
        thread = self.threads.get(tid)
        if thread is None:
            self._on_unknown(tid, status)
            return
        kind, number = classify(status)
        if kind is Kind.EXITED:
            self._on_thread_gone(thread, number, status)
            return
        if kind is Kind.SYSCALL:
            on_syscall_stop(self, thread)
            return
        if kind is Kind.SECCOMP:
            on_seccomp_stop(self, thread)
            return
        if kind is Kind.SIGNAL and not thread.want_running:
            self._deliver_then_hold(thread, number)
            return
        thread.stopped = True
        thread.vfork_wait = False  # any stop reported means it has left a vfork sleep (``vfork``)
        thread.group_stop = kind is Kind.GROUP_STOP
        if kind is Kind.CLONE:
            self._on_clone(thread)
        elif kind is Kind.FORK or kind is Kind.VFORK:
            self._on_fork(thread, "fork" if kind is Kind.FORK else "vfork")
        elif kind is Kind.EXEC:
            self._on_exec(thread)
        if thread.want_running:
            thread.leave_stop(number if kind is Kind.SIGNAL else 0, self.request_for(thread))
        else:
            self._allstop.settled(tid)

    def request_for(self, thread: TracedThread) -> int:
        """How to resume ``thread``: PTRACE_SYSCALL while a catchpoint needs its next syscall-stop."""
        catch = self.syscalls
        if catch is not None and catch.via_seccomp and catch.open_call(thread.tid) is not None:
            return ptrace.PTRACE_SYSCALL  # inside a call the filter caught: stop at its exit
        return self.resume_request

    def _deliver_then_hold(self, thread: TracedThread, sig: int) -> None:
        # A signal reaching a thread we hold is delivered now, and the thread
        # stopped right after (PTRACE_INTERRUPT takes effect before it runs a
        # single user instruction: it stops at the handler's entry). Holding
        # the signal in the adapter instead would lose it if the adapter
        # died: reaping the stop cleared it in the kernel (wait_task_stopped),
        # and the automatic detach would resume the thread without it.
        with ptrace.tracee_may_be_gone():
            ptrace.cont(thread.tid, sig)
            ptrace.interrupt(thread.tid)
        thread.stopped = False

    def _on_unknown(self, tid: int, status: int) -> None:
        log.debug("status %#x for %d, which this tracer no longer tracks", status, tid)
        self._reaper.unregister(tid)

    def _on_thread_gone(self, thread: TracedThread, code: int, status: int) -> None:
        del self.threads[thread.tid]
        self._reaper.unregister(thread.tid)
        if thread.tid != self.pid:
            self._announce_exit(thread)
            if not self.leader_traced and self.threads.keys() <= {self.pid}:
                # The last thread of a process whose untraced leader had
                # exited: every thread of a group that ends with exit_group or
                # a fatal signal reports the group's status, and the last one
                # to call pthread_exit ends the group with exit(0).
                self._process_gone(code, status)
            return
        # The leader is reaped last (the kernel delays a zombie leader until
        # its thread group is empty): the process is gone.
        self._announce_exit(thread)
        self._process_gone(code, status)

    def _process_gone(self, code: int, status: int) -> None:
        for other in list(self.threads.values()):
            self._announce_exit(other)
            self._reaper.unregister(other.tid)
        self.threads.clear()
        killed_by = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        self.exit = ProcessExited(code, exit_description(status), killed_by)
        self.emit(self.exit)
        self._finish()

    def _on_clone(self, parent: TracedThread) -> None:
        tid = ptrace.get_event_msg(parent.tid)
        if tid in self.threads:  # seized by the attach scan before this event was read
            return
        caught = self.new_threads.check(parent.tid, tid) if self.new_threads is not None else None
        # A new thread runs if its creator was meant to run; during a pause it
        # is held too, so that a clone in flight cannot escape the all-stop.
        # A caught one is held at its first instruction.
        self.add_thread(tid, parent.tid, parent.want_running and caught is None)
        if not parent.want_running:
            self._allstop.expect(tid)
        for early in self._reaper.claim(tid, self):
            self.on_wait_status(tid, early)
        if caught is not None:
            self.catch(caught)

    def _on_fork(self, parent: TracedThread, how: str) -> None:
        self.forks.on_fork_event(parent, how)

    def _on_exec(self, thread: TracedThread) -> None:
        # man 2 ptrace, "execve(2) under ptrace": every other thread is gone,
        # and the execing thread now has the leader's tid; its former tid is
        # the event message. Threads whose exit was not reported yet will
        # still be reaped, as plain exits, so they stay in the table (announced
        # as exited) until then; the former tid of the execing thread is never
        # reported again.
        former = ptrace.get_event_msg(thread.tid)
        if thread.exit_announced:
            # The leader had exited (pthread_exit) and a surviving thread
            # exec'd: it now carries the leader's tid, alive again.
            thread.exit_announced = False
            self.leader_traced = True
            self.emit(ThreadStarted(thread.tid, former, time.time()))
        for other in list(self.threads.values()):
            if other.tid == self.pid:
                continue
            self._announce_exit(other)
            if other.tid == former:
                del self.threads[other.tid]
                self._reaper.unregister(other.tid)
            else:
                other.stopped = False
                other.want_running = True
        after_exec(self, thread, former)

    def _finish(self) -> None:
        self._reaper.unregister(self.pid)
        self._allstop.finish()
        waiters, self._exit_waiters = self._exit_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(self.exit)  # None after a detach: its end will not be seen

    # ----- all-stop -------------------------------------------------------

    def settled(self, tid: int) -> None:
        """``tid`` is held (for the modules that handle a stop themselves)."""
        self._allstop.settled(tid)

    @on_ptrace_owner
    def catch(self, cause: Cause) -> None:
        """A catchpoint fired at thread ``cause.tid``: stop every thread, and say why."""
        self.stop_all(announce=AllStopped("exception", cause.tid, cause))

    @on_ptrace_owner
    def stop_all(self, announce: AllStopped | None = None) -> asyncio.Future[None]:
        """Hold every thread in ptrace-stop; the future resolves when all are held.

        With ``announce``, that event is published once the last thread stops.
        """
        if self.exit is not None:
            done: asyncio.Future[None] = self._loop.create_future()
            done.set_result(None)
            return done
        not_stopped = set()
        for thread in self.live_threads():
            thread.want_running = False
            if not thread.stopped:
                with ptrace.tracee_may_be_gone():
                    ptrace.interrupt(thread.tid)
                if not thread.vfork_wait:  # asleep in vfork: held already (see ``vfork``)
                    not_stopped.add(thread.tid)
        waiter = self._allstop.begin(not_stopped, announce)
        if not waiter.done():
            self._reaper.expect_stops(self)
        return waiter

    def awaited_tids(self) -> list[int]:
        """The tids whose stop an all-stop still waits for (the reaper polls them one by one)."""
        return self._allstop.awaited()

    def _look_for_zombies(self, tids: set[int]) -> None:
        for tid in tids:
            thread = self.threads.get(tid)
            if thread is None or thread.stopped:
                continue
            if procfs.thread_state(self.pid, tid) in (None, "Z", "X"):
                # It has exited but cannot be reaped yet (a zombie leader):
                # it will never stop, and for the user it is gone.
                self._announce_exit(thread)
            elif vfork.waits_for_vfork(self.pid, tid):
                thread.vfork_wait = True  # it stops when its vfork child lets go: held until then
                self._allstop.settled(tid)

    @on_ptrace_owner
    def check_leader(self) -> None:
        """Announce the exit of a leader that ended with pthread_exit while other threads run.

        The kernel reports a zombie leader only when its whole group is gone,
        so without a look at /proc it would be listed as alive until then.
        """
        leader = self.threads.get(self.pid)
        if leader is None or leader.exit_announced or leader.stopped or len(self.threads) == 1:
            return
        if procfs.thread_state(self.pid, self.pid) in ("Z", "X"):
            self._announce_exit(leader)

    @on_ptrace_owner
    def resume(self, tid: int | None = None) -> None:
        """Resume every thread, or only ``tid``.

        A catchpoint stop held back while another was shown is reported
        instead, and nothing resumes (the program is still stopped there).
        """
        if tid is None:
            pending = self._allstop.next_pending(self.live_thread)
            if pending is not None:
                self.emit(pending)
                return
        self._allstop.drop_announcement()
        targets = self.live_threads() if tid is None else [self.threads[tid]]
        for thread in targets:
            thread.want_running = True
            if thread.stopped:
                thread.leave_stop(0, self.request_for(thread))

    # ----- leaving --------------------------------------------------------

    @on_ptrace_owner
    async def detach(self) -> None:
        """Let go of every thread; the program runs on as if never traced."""
        if self.exit is not None or self.detached:
            return
        # PTRACE_DETACH needs the tracee in ptrace-stop (man 2 ptrace).
        await self.stop_all()
        self.forks.release_undecided()
        for thread in list(self.threads.values()):
            self._reaper.unregister(thread.tid)
            if thread.vfork_wait and not thread.stopped:
                # Not in a ptrace-stop, so PTRACE_DETACH would fail: let it go at its stop.
                self._reaper.register(thread.tid, vfork.DetachOnStop(self._reaper))
                continue
            # A thread in group-stop stays stopped after the detach, as an
            # untraced one would.
            with ptrace.tracee_may_be_gone():
                ptrace.detach(thread.tid, 0)
        self.threads.clear()
        self.detached = True
        self._finish()

    @on_ptrace_owner
    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to the process and let every thread run so it can act on it."""
        if self.exit is not None:
            return
        try:
            os.kill(self.pid, sig)
        except ProcessLookupError:
            return
        if sig != signal.SIGKILL:
            self.resume()

    def wait_exit(self) -> asyncio.Future[ProcessExited | None]:
        waiter: asyncio.Future[ProcessExited | None] = self._loop.create_future()
        if self.exit is not None:
            waiter.set_result(self.exit)
        else:
            self._exit_waiters.append(waiter)
        return waiter
