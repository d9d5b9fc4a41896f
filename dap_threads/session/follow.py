"""followFork and followExec: what a session shows and does when its program forks or execs.

The engine holds a forked child when the mode says so (``engine.fork``); the
session then acts, as gdb's follow-fork-mode does:

- child: the parent's threads leave the session (`thread` exited), the parent
  is detached and runs on, the child becomes the session's program (a
  `process` event, its thread `started`), and runs;
- both: the client is asked to start a new debug session for the child (the
  DAP reverse request ``startDebugging``, request "attach", the child's pid).
  The child stays held until that session's ``attach`` takes it. The new
  session must reach this adapter process, which holds the child: the
  configuration carries ``debugServer``, the port of this adapter (its
  --listen port, or a loopback port opened for child sessions next to a
  stdio session). A child nobody comes for within ``CHILD_SESSION_SECONDS``
  is let go, with an `output` event saying so: nothing stays stopped;
- ask: the program stops at the fork (a catchpoint stop); ``continue``
  follows the parent, the debug console's ``follow child`` / ``follow both``
  choose otherwise (``console``).

A client that does not declare ``supportsStartDebuggingRequest`` cannot have
"both": the session follows the parent instead, and says why in an `output`
event. After an exec the session keeps the process: a `process` event names
the new program; with ``followExec: false`` it detaches at the exec instead.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..dap import messages as m
from ..dap.requests import RequestError
from ..dap.reverse import ReverseRequestError
from ..dap.server import listening_port, start_loopback_server
from ..engine import procfs
from ..engine.events import ChildHeld, Exec, ForkCaught, ProcessExited, ThreadExited
from ..engine.fork import HELD, Fate, FollowFork, ForkedChild
from ..engine.reaper import Reaper
from ..engine.tracer import Tracer
from ..engine.waitstatus import classify, exit_description

if TYPE_CHECKING:
    from .session import Session

log = logging.getLogger(__name__)

#: How long a child held for a new debug session ("both") waits for it before it is let go.
CHILD_SESSION_SECONDS = 30.0

MODES = {mode.value: mode for mode in FollowFork}


def parse_mode(text: str) -> FollowFork:
    mode = MODES.get(text.strip().lower())
    if mode is None:
        raise RequestError(f"follow-fork-mode {text!r} is not one of: {', '.join(MODES)}")
    return mode


class Following:
    """One session's follow-fork-mode and followExec, and the children it offered to new sessions."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.fork_mode = FollowFork.PARENT
        self.follow_exec = True
        self._offered: dict[int, ForkedChild] = {}

    # ----- settings -----------------------------------------------------------------------

    def configure(self, follow_fork: str | None, follow_exec: bool) -> None:
        """From attach/launch (before any program exists)."""
        if follow_fork is not None:
            self.set_mode(parse_mode(follow_fork))
        self.follow_exec = follow_exec

    def set_mode(self, mode: FollowFork) -> str:
        """Switch mode (at any time); returns what gdb would say."""
        if mode is FollowFork.BOTH and not self.session.client.supportsStartDebuggingRequest:
            self.fork_mode = FollowFork.PARENT
            self.session.send_output(
                'dap-threads: followFork "both" needs a client that starts child debug sessions '
                "(supportsStartDebuggingRequest); this one does not, so forked children are detached "
                'and run untraced, as with "parent"\n'
            )
        else:
            self.fork_mode = mode
        self.apply()
        return self.describe()

    def describe(self) -> str:
        return f'Debugger response to a program call of fork or vfork is "{self.fork_mode.value}".'

    def apply(self, tracer: Tracer | None = None) -> None:
        tracer = tracer or self.session.active_tracer
        if tracer is not None:
            tracer.follow_fork = self.fork_mode
            tracer.follow_exec = self.follow_exec

    # ----- ask ------------------------------------------------------------------------------

    def asked_child(self) -> ForkedChild | None:
        """The child of the fork the program is stopped at (follow-fork-mode ask), if undecided."""
        tracer = self.session.active_tracer
        stop = self.session.last_stop
        if tracer is None or stop is None or not isinstance(stop.cause, ForkCaught):
            return None
        child = tracer.forks.children.get(stop.cause.child)
        return child if child is not None and child in tracer.forks.undecided() else None

    def follow(self, mode: FollowFork) -> str:
        """The debug console's ``follow parent|child|both``: the answer to an "ask" stop."""
        child = self.asked_child()
        if child is None:
            raise RequestError(
                "the program is not stopped at a fork: 'follow' answers follow-fork-mode \"ask\" "
                "(use 'set follow-fork-mode' to choose for the forks to come)"
            )
        if mode is FollowFork.ASK:
            raise RequestError("follow takes parent, child or both")
        if mode is FollowFork.BOTH and not self.session.client.supportsStartDebuggingRequest:
            raise RequestError("this client cannot start a child debug session (no supportsStartDebuggingRequest)")
        child.follow(mode)
        return {
            FollowFork.PARENT: f"process {child.pid} is detached and runs untraced; continue goes on with the parent",
            FollowFork.CHILD: f"following process {child.pid}; the parent is detached",
            FollowFork.BOTH: f"process {child.pid} opens in a debug session of its own",
        }.get(mode, "")

    def before_resume(self) -> None:
        """``continue`` at an "ask" stop follows the parent: the undecided child goes free."""
        child = self.asked_child()
        if child is not None:
            child.release()

    # ----- engine events -----------------------------------------------------------------------

    def on_child_held(self, event: ChildHeld) -> None:
        tracer = self.session.tracer
        child = tracer.forks.children.get(event.pid) if tracer is not None else None
        if child is None:
            return
        if self.session.ended.is_set() or tracer is None or not tracer.is_live:
            child.release()  # nobody here to follow it
        elif child.holds_parent:
            self.session.loop.create_task(self._switch_to(child))
        else:
            self.session.loop.create_task(self._offer(child))

    def on_exec(self, event: Exec) -> None:
        session = self.session
        session.send_output(f"process {event.pid} is executing new program: {event.program or '?'}\n")
        session.send_process_event(event.pid, "launch" if session.launched else "attach", event.program)
        tracer = session.tracer
        if not self.follow_exec and tracer is not None:
            session.loop.create_task(self._detach_at_exec(tracer))

    # ----- child ------------------------------------------------------------------------------------

    async def _switch_to(self, child: ForkedChild) -> None:
        session = self.session
        old = session.tracer
        assert old is not None
        stopped = session.last_stop is not None  # "follow child" at an ask stop: the child stays stopped
        new = child.take(session.reaper, session.loop)
        session.send_output(
            f"[Attaching after thread {child.parent} {child.how} to child process {child.pid}]\n"
            f"[Detaching after {child.how} from parent process {old.pid}]\n"
        )
        old.unsubscribe(session.on_engine_events)
        old.publish()
        for thread in old.live_threads():
            session.send_translated(ThreadExited(thread.tid, 0.0))
        await old.detach()
        session.start_tracing(new, launched=session.launched)
        session.send_process_event(child.pid, "attach")
        if stopped:
            session.stop_program(new, "entry")
        else:
            new.resume()
        new.publish()

    # ----- both -------------------------------------------------------------------------------------

    async def _offer(self, child: ForkedChild) -> None:
        session = self.session
        self._offered[child.pid] = child
        session.loop.call_later(CHILD_SESSION_SECONDS, self._give_up, child)
        try:
            port = await self._port_for_children()
        except OSError as exc:
            self._let_go(child, f"no port for its debug session to connect to ({exc.strerror or exc})")
            return
        configuration = self._child_configuration(child, port)
        arguments = m.StartDebuggingRequestArguments(configuration=configuration, request="attach")
        try:
            await session.protocol.reverse.request("startDebugging", arguments, timeout=CHILD_SESSION_SECONDS)
        except ReverseRequestError as exc:
            self._let_go(child, str(exc))

    def _child_configuration(self, child: ForkedChild, port: int) -> dict[str, Any]:
        name = procfs.process_name(child.pid) or "process"
        configuration: dict[str, Any] = {
            "name": f"{name} ({child.pid}, {child.how} child of {child.parent})",
            "pid": child.pid,
            "followFork": self.fork_mode.value,
            "followExec": self.follow_exec,
            # How the new session reaches this adapter, which holds the child (VS Code honours it as is).
            "debugServer": port,
        }
        if self.session.token is not None:
            configuration["token"] = self.session.token
        return configuration

    async def _port_for_children(self) -> int:
        port = listening_port()
        if port is not None:
            return port
        global _loopback
        if _loopback is None:
            from .session import Session  # the same kind of session, for the same kind of client

            make = functools.partial(Session, policy=self.session.gate.policy)
            _loopback = asyncio.ensure_future(start_loopback_server(make))
        _server, loopback_port = await asyncio.shield(_loopback)
        return loopback_port

    def _give_up(self, child: ForkedChild) -> None:
        if child.pid in self._offered:
            self._let_go(child, f"no debug session attached it within {CHILD_SESSION_SECONDS:.0f} s")

    def _let_go(self, child: ForkedChild, why: str) -> None:
        self._offered.pop(child.pid, None)
        if child.gone or HELD.get(child.pid) is not child or child.fate is not Fate.HOLD:
            return  # taken by its session, or gone
        child.release()
        self.session.send_output(f"dap-threads: process {child.pid} ({child.describe()}) runs untraced: {why}\n")

    def release_offered(self) -> None:
        """The session ends: children it offered and nobody took go free."""
        for child in list(self._offered.values()):
            self._let_go(child, "the session of its parent ended first")

    # ----- exec -----------------------------------------------------------------------------------------

    async def _detach_at_exec(self, tracer: Tracer) -> None:
        session = self.session
        leaving = tracer.live_threads()
        await tracer.detach()
        for thread in leaving:
            session.send_translated(ThreadExited(thread.tid, 0.0))
        session.send_output(
            f"dap-threads: detached from process {tracer.pid} at its exec (followExec: false); it runs on untraced\n"
        )
        if session.launched:
            # Still our child: its end is reaped here; the session ends with it.
            watch = _ExitWatch(session.reaper, functools.partial(self._untraced_exit, tracer.pid))
            session.reaper.register(tracer.pid, watch)
        else:
            session.send_terminated(None)

    def _untraced_exit(self, pid: int, status: int) -> None:
        _, code = classify(status)
        killed_by = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        ended = ProcessExited(code, exit_description(status), killed_by)
        self.session.loop.create_task(self.session.program_ended(ended))


#: The loopback server for child sessions of stdio sessions: one per adapter process, opened on first need.
_loopback: asyncio.Future[tuple[asyncio.Server, int]] | None = None


class _ExitWatch:
    """A reaper sink for an untraced child of ours (a launched program detached at exec): its exit status."""

    def __init__(self, reaper: Reaper, on_exit: Callable[[int], None]) -> None:
        self._reaper = reaper
        self._on_exit = on_exit

    def on_wait_status(self, tid: int, status: int) -> None:
        if os.WIFEXITED(status) or os.WIFSIGNALED(status):
            self._reaper.unregister(tid)
            self._on_exit(status)

    def publish(self) -> None:
        pass
