"""One debug session: what a client connection has asked for, and its traced program.

The session is the only layer that sees both sides: requests arrive through
the handlers in this package (registered with ``@request``), engine events
arrive through ``on_engine_events``, and both turn into DAP messages on the
session's protocol. It runs on the asyncio loop, which is the ptrace owner,
so handlers call the engine directly.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from typing import Any

from ..access.peer import Peer, ourselves
from ..access.policy import AccessDenied, AccessPolicy, Gate
from ..dap import messages as m
from ..dap.messages import InitializeArguments
from ..dap.protocol import DAPProtocol
from ..dap.requests import RequestError
from ..engine import procfs, program_facts
from ..engine.events import (
    AllStopped,
    ChildDetached,
    ChildHeld,
    Event,
    Exec,
    ProcessExited,
    ThreadExited,
    ThreadStarted,
)
from ..engine.output import OutputPump
from ..engine.reaper import reaper_for
from ..engine.thread import TracedThread
from ..engine.tracer import Tracer
from .callstacks import CallStacks
from .catch_settings import Catchpoints
from .creation import CreationSites
from .events import translate
from .follow import Following
from .frames import FrameIds
from .thread_pane import PaneOptions, ThreadPane

log = logging.getLogger(__name__)

#: How long the end of a launched program's output may lag its exit (a
#: grandchild can hold the pipe open forever; we do not wait for it).
_OUTPUT_GRACE_SECONDS = 1.0


class Session:
    def __init__(
        self,
        protocol: DAPProtocol,
        loop: asyncio.AbstractEventLoop,
        peer: Peer | None = None,
        *,
        policy: AccessPolicy | None = None,
    ) -> None:
        self.protocol = protocol
        self.loop = loop
        #: who is connected, and whether they may act on processes
        self.gate = Gate(policy or AccessPolicy.own_user_only(), peer or ourselves())
        self.reaper = reaper_for(loop)
        self.initialized = False
        self.configured = False
        self.tracer: Tracer | None = None
        self.launched = False
        self.frames = FrameIds()
        self.stacks = CallStacks(protocol.send_event, loop)
        #: the thread list's live names and the timeline (once a program is traced), and its options
        self.pane: ThreadPane | None = None
        self.pane_options: PaneOptions | None = None
        #: where each thread was created (the creator's stack at the clone)
        self.creation = CreationSites(self.stacks)
        #: what the client said of itself in ``initialize`` (its capabilities, lines and columns from 1, ...)
        self.client: InitializeArguments = m.InitializeArguments(adapterID="")
        self.pumps: list[OutputPump] = []
        self.ended = asyncio.Event()
        #: the token this connection's attach/launch brought, handed on to child sessions
        self.token: str | None = None
        self.following = Following(self)
        self.catchpoints = Catchpoints()
        #: the stop the client was last told of (None while running): what exceptionInfo describes
        self.last_stop: AllStopped | None = None
        self._deferred_stops: list[AllStopped] = []
        self._when_configured: list[Callable[[], None]] = []
        self._after_response: list[Callable[[], None]] = []
        self._terminated = False

    # ----- requests -------------------------------------------------------

    def admit(self, arguments: Any) -> None:
        token = getattr(arguments, "token", None)
        try:
            self.gate.admit(token if isinstance(token, str) else None)
        except AccessDenied as exc:
            raise RequestError(str(exc)) from None
        if isinstance(token, str):
            self.token = token

    def after_response(self, action: Callable[[], None]) -> None:
        """Run ``action`` right after the response to the request being handled is written.

        For messages the spec orders after a response: ``initialized`` after
        the ``initialize`` response, a deferred ``stopped`` after
        ``configurationDone``'s. A handler schedules them; they run whether
        the request succeeded or failed, so a handler schedules only once it
        has decided.
        """
        self._after_response.append(action)

    def response_sent(self) -> None:
        """The dispatcher wrote a response: run what its handler scheduled, then publish engine events."""
        if self.gate.refused:
            # The refusal was the answer; the session ends and the connection closes.
            self._after_response.clear()
            self.send_terminated(None)
            self.ended.set()
            return
        actions, self._after_response = self._after_response, []
        for action in actions:
            action()
        if self.tracer is not None:
            self.tracer.publish()

    def configuration_done(self) -> None:
        """configurationDone was answered: stops deferred until now may be reported (DAP "Launch sequencing")."""
        self.configured = True
        stops, self._deferred_stops = self._deferred_stops, []
        for stop in stops:
            self._send_stopped(stop)
        actions, self._when_configured = self._when_configured, []
        for action in actions:
            action()

    def when_configured(self, action: Callable[[], None]) -> None:
        """Run ``action`` once configurationDone is answered (now, if it was): a launched program
        starts then, so that catchpoints set during configuration catch from its first instruction."""
        if self.configured:
            action()
        else:
            self._when_configured.append(action)

    def start_tracing(self, tracer: Tracer, *, launched: bool, pane: PaneOptions | None = None) -> None:
        """Show ``tracer``'s program: ``pane`` is attach/launch's thread-pane options (a followed
        child keeps the session's, a child session's attach without them gets the defaults)."""
        self.tracer = tracer
        self.launched = launched
        tracer.subscribe(self.on_engine_events)
        self.following.apply(tracer)
        self.catchpoints.apply(tracer)
        pane = self.pane_options = pane or self.pane_options or PaneOptions()
        if self.pane is not None:
            self.pane.close()  # the program it showed was left (follow-fork-mode child)
        self.pane = ThreadPane(
            tracer,
            self.protocol.send_event,
            pane,
            attached=not launched,
            invalidated=self.client.supportsInvalidatedEvent,
        )
        # Its modules, once the client knows the attach or launch succeeded; then the list's sampling.
        self.after_response(lambda: self.stacks.start(tracer.pid))
        self.after_response(self.pane.start)
        if pane.creation_stacks:
            tracer.clone_hook = self.creation.on_clone
            self.creation.want_stops = tracer.want_clone_stops
            self.after_response(lambda: self.creation.start(tracer.pid))

    def pane_before_stop(self) -> None:
        """stopOnAttach: the thread list's one look at the threads while they still run (see ThreadPane)."""
        if self.pane is not None:
            self.pane.sample_before_stop()

    def resumed(self, tid: int | None = None) -> None:
        """The program runs again (``tid``: only that thread): the stop's ids expire, the sampler reads again."""
        self.forget_stop()
        if self.pane is not None:
            self.pane.resumed(None if tid is None else [tid])

    def forget_stop(self) -> None:
        """The program runs again: frame ids, variable references and stacks of this stop expire."""
        self.frames.clear()
        self.stacks.forget_stop()

    def resuming(self) -> None:
        """The whole program is about to run: what this stop showed expires, an "ask" stop follows the parent."""
        self.following.before_resume()
        self.resumed()
        self.last_stop = None

    def stop_program(self, tracer: Tracer, reason: str) -> None:
        tracer.stop_all(announce=AllStopped(reason, tracer.pid))

    def send_output(self, text: str, category: str = "console") -> None:
        if not self._terminated:
            self.protocol.send_event("output", m.OutputEventBody(output=text, category=category))

    def send_process_event(self, pid: int, how: str, path: str | None = None) -> None:
        """A `process` event: the program's path (``path``, or read from /proc now) and pid.

        Then what is unusual about the program (``program_facts``), as console output.
        """
        name = path or procfs.process_name(pid) or str(pid)
        try:
            name = path or os.readlink(f"/proc/{pid}/exe")
        except OSError:
            pass
        self.protocol.send_event(
            "process",
            m.ProcessEventBody(
                name=name,
                systemProcessId=pid,
                isLocalProcess=True,
                startMethod=how,
                pointerSize=program_facts.pointer_size(pid),
            ),
        )
        for line in program_facts.notes(pid):
            self.send_output(f"dap-threads: {line}\n")

    @property
    def active_tracer(self) -> Tracer | None:
        """The tracer of a program still being debugged: None before attach/launch, after exit or detach."""
        tracer = self.tracer
        return tracer if tracer is not None and tracer.is_live else None

    def require_tracer(self) -> Tracer:
        """The active tracer, or a RequestError that says why there is none."""
        tracer = self.tracer
        if tracer is None:
            raise RequestError("no program is being debugged: send 'attach' or 'launch' first")
        if tracer.exit is not None:
            raise RequestError(f"the program has exited ({tracer.exit.description})")
        if tracer.detached:
            raise RequestError(f"dap-threads has detached from process {tracer.pid}; attach again to debug it")
        return tracer

    def require_thread(self, tid: int, *, stopped: bool = False) -> TracedThread:
        """A live thread of the active program (paused, with ``stopped``), or a RequestError naming the problem."""
        tracer = self.require_tracer()
        thread = tracer.live_thread(tid)
        if thread is None:
            raise RequestError(
                f"no thread {tid} in process {tracer.pid} (it has exited, or never existed); "
                f"the 'threads' request lists the live ones"
            )
        if stopped and not thread.stopped and thread.vfork_wait:
            raise RequestError(
                f"thread {tid} is held asleep in vfork: the kernel keeps it in the call until its child "
                f"execs or exits, and its registers can be read once it returns (it stops there)"
            )
        if stopped and not thread.stopped:
            raise RequestError(
                f"thread {tid} is running: pause it first (its state can only be read while it is stopped)"
            )
        return thread

    # ----- engine events --------------------------------------------------

    def on_engine_events(self, batch: list[Event]) -> None:
        # One drain's events leave in one write, in the drain's own loop
        # iteration. Thread events, all but a handful of any batch, are
        # tested for first and sent from the protocol's template.
        protocol = self.protocol
        with protocol.batch():
            for event in batch:
                if type(event) is ThreadStarted:
                    protocol.send_thread_event("started", event.tid)
                elif type(event) is ThreadExited:
                    protocol.send_thread_event("exited", event.tid)
                elif isinstance(event, AllStopped):
                    if self.configured:
                        self._send_stopped(event)
                    else:
                        # DAP: a stop-on-attach/entry is reported after configurationDone.
                        self._deferred_stops.append(event)
                elif isinstance(event, ProcessExited):
                    self.loop.create_task(self.program_ended(event))
                elif isinstance(event, ChildHeld):
                    self.following.on_child_held(event)
                elif isinstance(event, Exec):
                    self.forget_stop()
                    self.following.on_exec(event)
                    if self.following.follow_exec:
                        self.stacks.on_exec()  # a new program: its modules and code (detached at exec otherwise)
                    self.creation.on_exec()
                    if self.pane is not None:
                        self.pane.on_exec()  # the threads the client was shown are gone either way
                elif isinstance(event, ChildDetached):
                    # gdb's words (detach-on-fork): the child runs untraced.
                    self.send_output(f"[Detaching after {event.how} from child process {event.pid}]\n")
                else:
                    message = translate(event)
                    if message is not None:
                        protocol.send_event(*message)

    def on_output(self, event: Event) -> None:
        message = translate(event)
        if message is not None and not self._terminated:
            self.protocol.send_event(*message)

    def _send_stopped(self, stop: AllStopped) -> None:
        if self.tracer is None or self.tracer.exit is not None:
            return
        self.forget_stop()
        self.last_stop = stop
        # DAP: a frame's moduleId names a module the client was told of; tell it first.
        self.stacks.sync_modules()
        self.send_translated(stop)

    async def program_ended(self, exit: ProcessExited) -> None:
        # Output first: `exited` and `terminated` are the session's last events.
        pending = [asyncio.ensure_future(p.closed.wait()) for p in self.pumps if not p.closed.is_set()]
        if pending:
            await asyncio.wait(pending, timeout=_OUTPUT_GRACE_SECONDS)
            for pump in self.pumps:
                pump.close()
        self.send_terminated(exit)

    def send_terminated(self, exit: ProcessExited | None) -> None:
        if self._terminated:
            return
        self._terminated = True
        self.stacks.close()
        self.creation.close()
        if self.pane is not None:
            self.pane.close()  # the timeline's last batch goes before `exited`
        if exit is not None:
            self.send_translated(exit)
        self.protocol.send_event("terminated")

    def send_translated(self, event: Event) -> None:
        message = translate(event)
        if message is not None:
            self.protocol.send_event(*message)

    # ----- the end ----------------------------------------------------------

    async def close(self) -> None:
        """The client is gone (or said disconnect): leave the program as the user expects."""
        self.following.release_offered()
        tracer = self.active_tracer
        if tracer is not None:
            tracer.forks.release_all()
            if self.launched:
                tracer.kill()
                try:
                    await asyncio.wait_for(tracer.wait_exit(), 5)
                except TimeoutError:
                    log.error("launched program %d did not die after SIGKILL", tracer.pid)
            else:
                await tracer.detach()
        self.stacks.close()
        self.creation.close()
        if self.pane is not None:
            self.pane.close()
        for pump in self.pumps:
            pump.close()
