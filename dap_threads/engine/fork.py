"""Forked children: from the fork event that names them to their fate (gdb's follow-fork-mode).

With PTRACE_O_TRACEFORK / TRACEVFORK the kernel attaches every child of a
traced process to us and starts it in a ptrace-stop, before its first
instruction (man 2 ptrace, PTRACE_EVENT_FORK). Its first stop and its
parent's fork event may be reported in either order; a child waits in
``ForkedChild`` until both are in. Then, by the mode chosen when it was
forked:

- parent: the child is detached and runs untraced (the default);
- child: the child is held; the forking thread is held at its fork event
  too, so that the parent can be detached cleanly even after a vfork (a
  thread asleep in vfork cannot be detached: ``vfork``). Whoever follows it
  (the session) takes the child with ``take`` and detaches the parent;
- both: the child is held until a taker (another debug session, through
  ``held_child``) takes it; the parent runs on;
- ask: the program stops at the fork (all-stop, a ``ForkCaught`` cause) and
  the child waits, undecided, for ``decide``.

A held child is only ever held for someone who will come for it or release
it: a session that gives up (a client that never starts the child's
session) calls ``release``, and a vfork parent, which the kernel keeps
asleep until its child execs or exits, wakes when its child is let go.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from typing import TYPE_CHECKING

from . import ptrace
from .events import ChildDetached, ChildHeld, ForkCaught
from .reaper import Reaper

if TYPE_CHECKING:
    from .thread import TracedThread
    from .tracer import Tracer

log = logging.getLogger(__name__)


class FollowFork(enum.Enum):
    PARENT = "parent"
    CHILD = "child"
    BOTH = "both"
    ASK = "ask"


class Fate(enum.Enum):
    UNDECIDED = "undecided"  # ask: the user has not chosen yet
    DETACH = "detach"
    HOLD = "hold"  # for a taker: the session (child), or another session (both)


class ForkedChild:
    """One child of a fork or vfork, and the reaper's sink for its statuses until it is taken or let go."""

    def __init__(self, follower: ForkFollower, pid: int, parent: int, how: str, fate: Fate) -> None:
        self.follower = follower
        self.pid = pid
        self.parent = parent
        self.how = how
        self.fate = fate
        #: its first ptrace-stop has been reported: it is held there, before its first instruction
        self.at_first_stop = False
        self.gone = False
        #: follow-fork-mode child holds the forking thread at its fork event until the child is taken
        self.holds_parent = follower.tracer.follow_fork is FollowFork.CHILD
        self._arrival: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    # ----- the reaper's sink ---------------------------------------------------

    def on_wait_status(self, tid: int, status: int) -> None:
        if (status & 0xFF) != 0x7F:  # exited or killed before (or while) held
            self._forget()
            return
        self.at_first_stop = True
        self._settle()

    def publish(self) -> None:
        self.follower.tracer.publish()

    # ----- decisions -------------------------------------------------------------

    def decide(self, fate: Fate) -> None:
        """Detach it, or hold it for a taker; acted on at its first stop if that is still to come."""
        self.fate = fate
        if fate is Fate.HOLD:
            HELD[self.pid] = self
        self._settle()

    def follow(self, mode: FollowFork) -> None:
        """Follow-fork-mode ``mode`` for this child: the answer to "ask" (ASK itself is not an answer)."""
        if mode is FollowFork.PARENT:
            self.release()
        elif mode is not FollowFork.ASK:
            self.holds_parent = mode is FollowFork.CHILD
            self.decide(Fate.HOLD)

    def release(self) -> None:
        """Let it run untraced (a taker that did not come, a session that ended)."""
        self.decide(Fate.DETACH)

    async def arrived(self) -> bool:
        """Wait for its first stop; False if it died first."""
        return await asyncio.shield(self._arrival)

    def take(self, reaper: Reaper, loop: asyncio.AbstractEventLoop) -> Tracer:
        """A tracer of its own, holding it at its first instruction (call ``resume`` to let it run)."""
        from .tracer import Tracer

        assert self.at_first_stop and not self.gone, "take() a child only once it is held"
        HELD.pop(self.pid, None)
        self.follower.children.pop(self.pid, None)
        self.holds_parent = False
        tracer = Tracer(self.pid, reaper, loop)
        tracer.follow_fork = self.follower.tracer.follow_fork
        tracer.follow_exec = self.follower.tracer.follow_exec
        thread = tracer.adopt(self.pid, want_running=False)
        thread.stopped = True
        return tracer

    # ----- inside -------------------------------------------------------------------

    def _settle(self) -> None:
        if not self.at_first_stop or self.gone:
            return
        if self.fate is Fate.DETACH:
            self._detach()
        elif self.fate is Fate.HOLD and not self._arrival.done():
            self._arrival.set_result(True)
            self.follower.tracer.emit(ChildHeld(self.pid, self.parent, self.how))

    def _detach(self) -> None:
        self.follower.reaper.unregister(self.pid)
        with ptrace.tracee_may_be_gone():
            ptrace.detach(self.pid, 0)
        self._forget()
        self.follower.tracer.emit(ChildDetached(self.pid, self.parent, self.how))

    def _forget(self) -> None:
        if self.holds_parent and not self.gone:
            self.follower.let_parent_go(self.parent)  # nothing to follow: the parent goes on
        self.gone = True
        self.follower.reaper.unregister(self.pid)
        self.follower.children.pop(self.pid, None)
        HELD.pop(self.pid, None)
        if not self._arrival.done():
            self._arrival.set_result(False)

    def describe(self) -> str:
        return f"{self.how} child {self.pid} of thread {self.parent}"


#: Children held for a taker, by pid: one registry per adapter process, which is one ptrace owner,
#: so that another session (another connection) can take a child this one holds.
HELD: dict[int, ForkedChild] = {}


def held_child(pid: int) -> ForkedChild | None:
    """The child ``pid`` if it is held for a taker (follow-fork-mode both or child) and at its first stop."""
    child = HELD.get(pid)
    return child if child is not None and child.at_first_stop and not child.gone else None


class ForkFollower:
    """The forked children of one tracer, handled by its follow-fork-mode."""

    def __init__(self, tracer: Tracer, reaper: Reaper) -> None:
        self.tracer = tracer
        self.reaper = reaper
        self.children: dict[int, ForkedChild] = {}

    def on_fork_event(self, parent: TracedThread, how: str) -> None:
        """``parent`` is stopped at its PTRACE_EVENT_FORK/VFORK, whose message is the child's pid."""
        pid = ptrace.get_event_msg(parent.tid)
        mode = self.tracer.follow_fork
        fate = {FollowFork.PARENT: Fate.DETACH, FollowFork.ASK: Fate.UNDECIDED}.get(mode, Fate.HOLD)
        child = ForkedChild(self, pid, parent.tid, how, fate)
        self.children[pid] = child
        if fate is Fate.HOLD:
            HELD[pid] = child
        if mode is FollowFork.CHILD:
            parent.want_running = False  # held at its fork event until the session has taken the child
        elif mode is FollowFork.ASK:
            self.tracer.catch(ForkCaught(parent.tid, pid, how))
        for early in self.reaper.claim(pid, child):
            child.on_wait_status(pid, early)

    def let_parent_go(self, tid: int) -> None:
        """Resume a forking thread held for a child that will not be followed (unless the program is paused)."""
        tracer = self.tracer
        thread = tracer.live_thread(tid)
        if thread is None or thread.want_running or not tracer.is_live:
            return
        if all(other.want_running for other in tracer.live_threads() if other is not thread):
            tracer.resume(tid)

    def undecided(self) -> list[ForkedChild]:
        return [child for child in self.children.values() if child.fate is Fate.UNDECIDED]

    def release_undecided(self) -> None:
        """The parent is being let go: children nobody chose to follow go too."""
        for child in self.undecided():
            child.release()

    def release_all(self) -> None:
        """Let every child still here go (the session is ending): none stays stopped."""
        for child in list(self.children.values()):
            if not child.gone:
                child.release()
