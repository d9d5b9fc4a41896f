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
import errno
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
from .names import ThreadNames
from .newthread import NewThreadWatch
from .owner import on_ptrace_owner
from .reaper import Reaper
from .syscalls.catch import SyscallCatch, on_seccomp_stop, on_syscall_stop
from .thread import TracedThread
from .waitstatus import STOP_SIGNALS, SYSCALL_TRAP, classify, exit_description

log = logging.getLogger(__name__)

Listener = Callable[[list[Event]], None]
#: Told of each clone while its creator still sits in the PTRACE_EVENT_CLONE stop: (creator, new tid).
CloneHook = Callable[[TracedThread, int], None]

_THOROUGH_ZOMBIE_CHECK_AFTER = 1.0

#: The status word of a PTRACE_INTERRUPT stop outside a group-stop (man 2 ptrace, "PTRACE_EVENT_STOP").
_INTERRUPT_STOP = (ptrace.PTRACE_EVENT_STOP << 16) | (signal.SIGTRAP << 8) | 0x7F

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
        #: called at each clone before the creator resumes (it must be quick: the creator waits)
        self.clone_hook: CloneHook | None = None
        self.names = ThreadNames(pid)
        #: How many times held threads were let run: a hold of the whole process lasts while this stays the same.
        self._releases = 0
        #: The compiled helper (None: pure Python). It resumes the simple stops
        #: of the threads it is told run (``set_running``), so every change of
        #: ``want_running`` is told to it, before anything else can happen.
        self._fast = reaper.fast
        #: The clone hook wants the next creator still in its event stop (see want_clone_stops).
        self._clone_stops_wanted = False
        #: what happens to forked children (gdb's follow-fork-mode), and to the process at exec
        self.forks = ForkFollower(self, reaper)
        self.follow_fork = FollowFork.PARENT
        self.follow_exec = True
        #: catchpoints: None when not set (properties: setting one tells the helper)
        self._new_threads: NewThreadWatch | None = None
        #: threads that reported a vfork event and may still sleep in it (see _look_for_zombies)
        self._vforkers: set[int] = set()
        self._syscalls: SyscallCatch | None = None
        #: PTRACE_SYSCALL while a syscall catchpoint is set, else PTRACE_CONT
        self.resume_request = ptrace.PTRACE_CONT
        #: False when the leader had exited (pthread_exit) before the attach: see ``adopt_exited_leader``
        self.leader_traced = True

    # ----- catchpoints and the compiled helper --------------------------

    @property
    def new_threads(self) -> NewThreadWatch | None:
        """The new-thread catchpoint, or None."""
        return self._new_threads

    @new_threads.setter
    def new_threads(self, watch: NewThreadWatch | None) -> None:
        self._new_threads = watch
        self._retell_fast()

    @property
    def syscalls(self) -> SyscallCatch | None:
        """The syscall catchpoint, or None."""
        return self._syscalls

    @syscalls.setter
    def syscalls(self, catch: SyscallCatch | None) -> None:
        self._syscalls = catch
        self._retell_fast()

    def _fast_runs(self) -> bool:
        """Whether the helper may resume this process's simple stops itself.

        Not while the clone hook waits for a creation (``want_clone_stops``),
        nor while a catchpoint is set: a new-thread catchpoint decides at each
        clone whether the new thread runs, and a syscall catchpoint resumes
        with PTRACE_SYSCALL and must see every syscall-stop; the helper would
        resume both with PTRACE_CONT, unseen.
        """
        return (
            self._fast is not None
            and self._syscalls is None
            and self._new_threads is None
            and not self._clone_stops_wanted
        )

    def want_clone_stops(self, wanted: bool) -> None:
        """Whether ``clone_hook`` needs the next creator still sitting in its clone event stop.

        The helper resumes a clone's creator itself, before Python hears of the
        clone; a hook that reads the creator's registers then reads a running
        thread. While the hook wants a creation (its ration has a token), every
        stop is left to Python; in between, the helper runs the storm.
        """
        if wanted != self._clone_stops_wanted:
            self._clone_stops_wanted = wanted
            if self.exit is None:
                self._retell_fast()

    def _retell_fast(self) -> None:
        """Tell the helper again which threads it may resume, after a catchpoint was set or cleared."""
        if self._fast is None:
            return
        live = self.live_threads()
        self._fast.set_running_each([t.tid for t in live], False)
        if self._fast_runs():
            self._fast.set_running_each([t.tid for t in live if t.want_running and not t.vfork_wait], True)

    def left_vfork(self, thread: TracedThread) -> None:
        """``thread`` reported a stop: it has left its vfork sleep (``vfork``).

        While it slept the helper was told not to resume it, so that this
        stop reached Python; from now on it may again.
        """
        thread.vfork_wait = False
        if thread.want_running and self._fast_runs():
            assert self._fast is not None
            self._fast.set_running(thread.tid, True)

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

    def add_thread(self, tid: int, creator: int | None, want_running: bool, *, told: bool = False) -> TracedThread:
        """``told``: the helper already knows whether it runs (it resumed the clone, or a batch told it)."""
        thread = TracedThread(tid, creator, want_running)
        self.threads[tid] = thread
        self._events.append(ThreadStarted(tid, creator, time.time()))
        if self._fast is not None and not told:
            self._fast.set_running(tid, want_running and self._fast_runs())
        return thread

    def adopt(self, tid: int, want_running: bool, *, told: bool = False) -> TracedThread:
        """Track a thread seized outside a clone event (attach, launch)."""
        self._reaper.register(tid, self)
        return self.add_thread(tid, None, want_running, told=told)

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

    def thread_names(self, threads: list[TracedThread]) -> list[str | None]:
        """The names of ``threads`` (None for one that is gone), reused while the whole process stays held."""
        held = all(t.stopped and not t.want_running for t in threads)
        return self.names.read([t.tid for t in threads], self._releases if held else None)

    def _announce_exit(self, thread: TracedThread) -> None:
        if not thread.exit_announced:
            thread.exit_announced = True
            self._events.append(ThreadExited(thread.tid, time.time()))
            self._allstop.settled(thread.tid)

    # ----- wait statuses --------------------------------------------------

    def on_wait_status(self, tid: int, status: int) -> None:
        # Called only by Reaper.drain, which checks it runs on the ptrace owner.
        # The hot path of a thread storm (three statuses per thread: its
        # creator's clone event, its first stop, its exit): the status word is
        # decoded with integer operations (man 2 waitpid, man 2 ptrace
        # "Stopped states") rather than through ``classify``.
        thread = self.threads.get(tid)
        if thread is None:
            self._on_unknown(tid, status)
            return
        if status & 0xFF != 0x7F:  # not WIFSTOPPED: the thread is gone (WIFEXITED or WIFSIGNALED)
            self._on_thread_gone(thread, status)
            return
        event = status >> 16
        sig = (status >> 8) & 0xFF
        if event == 0:
            if sig == SYSCALL_TRAP:  # PTRACE_O_TRACESYSGOOD's syscall-stop (man 2 ptrace, "Syscall-stops")
                on_syscall_stop(self, thread)
                return
            if not thread.want_running:  # a signal-delivery-stop of a held thread
                self._deliver_then_hold(thread, sig)
                return
        elif event == ptrace.PTRACE_EVENT_SECCOMP:
            on_seccomp_stop(self, thread)
            return
        thread.stopped = True
        if thread.vfork_wait:
            self.left_vfork(thread)
        if event == ptrace.PTRACE_EVENT_STOP:
            # do_jobctl_trap reports the stop signal while the group is
            # stopping or stopped, and SIGTRAP otherwise (interrupt, new thread).
            thread.group_stop = sig in STOP_SIGNALS
        else:
            thread.group_stop = False
            if event == ptrace.PTRACE_EVENT_CLONE:
                self._on_clone(thread)
            elif event == ptrace.PTRACE_EVENT_FORK or event == ptrace.PTRACE_EVENT_VFORK:
                self._on_fork(thread, "fork" if event == ptrace.PTRACE_EVENT_FORK else "vfork")
            elif event == ptrace.PTRACE_EVENT_EXEC:
                self._on_exec(thread)
        if thread.want_running:
            thread.leave_stop(sig if event == 0 else 0, self.request_for(thread))
        else:
            self._allstop.settled(tid)

    def request_for(self, thread: TracedThread) -> int:
        """How to resume ``thread``: PTRACE_SYSCALL while a catchpoint needs its next syscall-stop."""
        catch = self._syscalls
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
        self._releases += 1  # it runs its signal handler, which may rename it
        with ptrace.tracee_may_be_gone():
            ptrace.cont(thread.tid, sig)
            ptrace.interrupt(thread.tid)
        thread.stopped = False

    def _on_unknown(self, tid: int, status: int) -> None:
        log.debug("status %#x for %d, which this tracer no longer tracks", status, tid)
        self._reaper.unregister(tid)

    def _on_thread_gone(self, thread: TracedThread, status: int) -> None:
        del self.threads[thread.tid]
        if self._vforkers:
            self._vforkers.discard(thread.tid)
        self._reaper.unregister(thread.tid)
        if self._fast is not None:
            self._fast.set_running(thread.tid, False)  # see _forget_in_helper
        if thread.tid != self.pid:
            self._announce_exit(thread)
            if not self.leader_traced and self.threads.keys() <= {self.pid}:
                # The last thread of a process whose untraced leader had
                # exited: every thread of a group that ends with exit_group or
                # a fatal signal reports the group's status, and the last one
                # to call pthread_exit ends the group with exit(0).
                self._process_gone(status)
            return
        # The leader is reaped last (the kernel delays a zombie leader until
        # its thread group is empty): the process is gone.
        self._announce_exit(thread)
        self._process_gone(status)

    def _process_gone(self, status: int) -> None:
        self._forget_in_helper(list(self.threads))
        for other in list(self.threads.values()):
            self._announce_exit(other)
            self._reaper.unregister(other.tid)
        self.threads.clear()
        _, code = classify(status)
        killed_by = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        self.exit = ProcessExited(code, exit_description(status), killed_by)
        self.emit(self.exit)
        self._finish()

    def _on_clone(self, parent: TracedThread) -> None:
        self._add_clone(parent, ptrace.get_event_msg(parent.tid), told=False)

    def on_clone_resumed(self, tid: int, child: int) -> None:
        # Reaper.drain (the ptrace owner): the helper read the event message,
        # resumed the creator, and marked the child running.
        parent = self.threads.get(tid)
        if parent is None:
            log.error("resumed clone event of %d, which this tracer does not track", tid)
            return
        self._add_clone(parent, child, told=True)

    def _add_clone(self, parent: TracedThread, tid: int, *, told: bool) -> None:
        if tid in self.threads:  # seized by the attach scan before this event was read
            return
        watch = self._new_threads
        caught = watch.check(parent.tid, tid) if watch is not None else None
        # A new thread runs if its creator was meant to run; during a pause it
        # is held too, so that a clone in flight cannot escape the all-stop.
        # A caught one is held at its first instruction (the helper never
        # resumes a clone while a new-thread catchpoint is set: see _fast_runs).
        self.add_thread(tid, parent.tid, parent.want_running and caught is None, told=told and caught is None)
        self._tell_clone_hook(parent, tid)
        if not parent.want_running:
            self._allstop.expect(tid)
        for early in self._reaper.claim(tid, self):
            self.on_wait_status(tid, early)
        if caught is not None:
            self.catch(caught)

    def _tell_clone_hook(self, parent: TracedThread, tid: int) -> None:
        """The clone hook runs while the creator still sits in its event stop (its registers are its own)."""
        if self.clone_hook is not None:
            try:
                self.clone_hook(parent, tid)
            except Exception:  # an observer's failure must not leave the creator stopped
                log.exception("the clone hook failed at the creation of %d by %d", tid, parent.tid)

    def _on_fork(self, parent: TracedThread, how: str) -> None:
        if how == "vfork":
            self._vforkers.add(parent.tid)  # it may sleep in vfork when an all-stop comes: see _look_for_zombies
        self.forks.on_fork_event(parent, how)

    def _on_exec(self, thread: TracedThread) -> None:
        # man 2 ptrace, "execve(2) under ptrace": every other thread is gone,
        # and the execing thread now has the leader's tid; its former tid is
        # the event message. Threads whose exit was not reported yet will
        # still be reaped, as plain exits, so they stay in the table (announced
        # as exited) until then; the former tid of the execing thread is never
        # reported again.
        former = ptrace.get_event_msg(thread.tid)
        self.names.forget()  # a new program, and /proc/PID/task is the new thread group's
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
                if self._fast is not None:
                    self._fast.set_running(other.tid, False)  # never reported again
            else:
                other.stopped = False
                other.want_running = True
        after_exec(self, thread, former)

    def _finish(self) -> None:
        self.names.forget()
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
        live = self.live_threads()
        for thread in live:
            thread.want_running = False
        to_interrupt = [t.tid for t in live if not t.stopped]
        # A thread asleep in vfork cannot stop until its child lets go: held already (see ``vfork``).
        not_stopped = [t.tid for t in live if not t.stopped and not t.vfork_wait]
        if self._fast is not None:
            # Held from now on: the helper must not resume their next stops.
            self._fast.set_running_each([t.tid for t in live], False)
            self._check_each(self._fast.ptrace_each(ptrace.PTRACE_INTERRUPT, to_interrupt))
        else:
            interrupt = ptrace.interrupt
            for tid in to_interrupt:
                try:  # ptrace.tracee_may_be_gone(), spelled out: 10,000 context managers cost ~10 ms
                    interrupt(tid)
                except ProcessLookupError:
                    pass
        waiter = self._allstop.begin(not_stopped, announce)
        if not waiter.done():
            self._reaper.expect_stops(self)
        return waiter

    def awaited_tids(self) -> list[int]:
        """The tids whose stop an all-stop still waits for (the reaper polls them one by one)."""
        return self._allstop.awaited()

    def on_awaited_statuses(self, records: list[int]) -> None:
        # Reaper.drain (the ptrace owner), with the helper: the stops an
        # all-stop collected, flat (tid, status, -). Nearly all are the
        # interrupt's PTRACE_EVENT_STOP of a held thread, settled here in a
        # tight loop and in one batch; anything else takes the general path.
        threads, settled = self.threads, []
        for i in range(0, len(records), 3):
            tid, status = records[i], records[i + 1]
            thread = threads.get(tid)
            if status == _INTERRUPT_STOP and thread is not None and not thread.want_running and not thread.vfork_wait:
                thread.stopped = True
                thread.group_stop = False
                settled.append(tid)
            else:
                self.on_wait_status(tid, status)
        self._allstop.settled_all(settled)

    def _look_for_zombies(self, tids: set[int]) -> None:
        # The one thread that can exit without reporting it is the leader
        # (man 2 ptrace: a zombie leader is reported only when its group is
        # empty); any other reports its exit through waitpid. Reading /proc
        # for every awaited thread cost ~15 ms per 1,000 threads on every
        # timer tick of a long all-stop, so the others are looked at only
        # once an all-stop has waited a whole second. A thread that called
        # vfork may sleep in it (it cannot stop until its child lets go): those
        # are looked at from the first tick.
        if self._allstop.running_for() < _THOROUGH_ZOMBIE_CHECK_AFTER:
            tids = tids & ({self.pid} | self._vforkers)
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
            else:
                self._vforkers.discard(tid)  # not (or no longer) in vfork

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
        self._releases += 1
        targets = self.live_threads() if tid is None else [self.threads[tid]]
        for thread in targets:
            thread.want_running = True
        if not self._fast_runs():
            # One request per thread: PTRACE_SYSCALL for some while a syscall catchpoint is set.
            for thread in targets:
                if thread.stopped:
                    thread.leave_stop(0, self.request_for(thread))
            return
        assert self._fast is not None
        # Not a thread asleep in vfork: its next stop must reach Python (``left_vfork``).
        self._fast.set_running_each([t.tid for t in targets if not t.vfork_wait], True)
        # A held thread never owes a signal (see TracedThread): PTRACE_CONT
        # with 0 for all, in one call; a group-stop is left with PTRACE_LISTEN.
        plain = [t for t in targets if t.stopped and not t.group_stop]
        for thread in targets:
            if thread.stopped and thread.group_stop:
                thread.leave_stop()
        self._check_each(self._fast.ptrace_each(ptrace.PTRACE_CONT, [t.tid for t in plain]))
        for thread in plain:
            thread.stopped = False

    @staticmethod
    def _check_each(failures: list[tuple[int, int]]) -> None:
        """The failures of a batch request: ESRCH is a thread that died meanwhile (its exit follows)."""
        for tid, error in failures:
            if error != errno.ESRCH:
                raise OSError(error, f"ptrace on {tid}: {os.strerror(error)}")

    # ----- leaving --------------------------------------------------------

    @on_ptrace_owner
    async def detach(self) -> None:
        """Let go of every thread; the program runs on as if never traced."""
        if self.exit is not None or self.detached:
            return
        # PTRACE_DETACH needs the tracee in ptrace-stop (man 2 ptrace).
        await self.stop_all()
        self.forks.release_undecided()
        tids, unregister = [], self._reaper.unregister
        for thread in list(self.threads.values()):
            unregister(thread.tid)
            if thread.vfork_wait and not thread.stopped:
                # Not in a ptrace-stop, so PTRACE_DETACH would fail: let it go at its stop.
                self._reaper.register(thread.tid, vfork.DetachOnStop(self._reaper))
                continue
            tids.append(thread.tid)
        # A thread in group-stop stays stopped after the detach, as an
        # untraced one would.
        if self._fast is not None:
            self._check_each(self._fast.ptrace_each(ptrace.PTRACE_DETACH, tids))
        else:
            detach = ptrace.detach
            for tid in tids:
                try:  # ptrace.tracee_may_be_gone(), spelled out: it runs per thread
                    detach(tid, 0)
                except ProcessLookupError:
                    pass
        self._forget_in_helper(list(self.threads))
        self.threads.clear()
        self.detached = True
        self._finish()

    def _forget_in_helper(self, tids: list[int]) -> None:
        """Tell the helper these tids are no longer ours to resume: they left the table.

        The helper clears a tid when it reaps its exit, but Python may tell it
        "run" again afterwards, from a table that has not yet read that exit:
        a drain hands Python a batch, and a resume or catchpoint change made
        while handling its first records (``_retell_fast``) still counts the
        threads whose exits come later in it. A stale "run" outlives the
        thread: once the kernel reuses the tid (pid_max wraps in a long storm),
        the helper resumes the newcomer's first stop before Python knows it,
        its clone event reaches no tracer, and the thread it creates waits in
        its first stop forever.
        """
        if self._fast is not None and tids:
            self._fast.set_running_each(tids, False)

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
