"""Catchpoints on the terminal: `--syscalls` and the `--stop-on-new-thread` prompt.

``--syscalls openat,connect`` traces those calls without stopping the
program: the tracer reports each call (a ``SyscallSeen`` at its entry and
at its exit, the arguments decoded at its entry by ``syscalls.arguments``)
and resumes the thread at once; ``report`` prints them, strace style.

``--stop-on-new-thread[=GLOB]`` stops every thread when the program creates
one (a glob on the creator's name, as the DAP filter's condition), and asks
on the terminal: continue, show the stacks of the new thread and its
creator, or detach (the program runs on untraced). The answer is read from
our stdin only while a question waits (the program, held meanwhile, keeps
the terminal otherwise: `run` gives it our stdin); once stdin has ended,
every stop continues and nothing more is asked.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import Callable

import attrs

from ..engine import procfs
from ..engine.events import AllStopped, Event, NewThreadCaught
from ..engine.newthread import NewThreadWatch, parse_globs
from ..engine.syscalls import seccomp
from ..engine.syscalls.catch import SyscallCatch, parse_names, set_syscall_catch, suggestion
from ..engine.tracer import Tracer
from .report import Reporter

QUESTION = "[c]ontinue, [s]tack, [d]etach?"


@attrs.frozen
class CatchOptions:
    """What the command line asked for: None when not asked."""

    syscalls: str | None = None
    new_thread: str | None = None

    def check(self) -> str | None:
        """An error message for names that are not syscalls, or None."""
        if self.syscalls is None:
            return None
        _, unknown = parse_names(self.syscalls)
        if unknown:
            return "; ".join(f"{word!r} is not a syscall of this machine{suggestion(word)}" for word in unknown)
        return None

    def apply(self, tracer: Tracer, *, via_seccomp: bool = False) -> None:
        if self.new_thread is not None:
            tracer.new_threads = NewThreadWatch(tracer.pid, parse_globs(self.new_thread))
        if self.syscalls is not None:
            calls, _ = parse_names(self.syscalls)
            set_syscall_catch(tracer, SyscallCatch(tracer.pid, calls, stop=False, via_seccomp=via_seccomp))

    def seccomp_filter(self) -> bytes | None:
        """The filter for a launched program that hands over only the named calls (None: trace every call)."""
        if self.syscalls is None:
            return None
        calls, _ = parse_names(self.syscalls)
        if calls is None:
            return None  # every call: PTRACE_SYSCALL costs the same
        try:
            return seccomp.build(calls)
        except seccomp.SeccompUnavailable:
            return None


class Catches:
    """A tracer listener: the question at each new-thread stop, and what the answer does."""

    def __init__(
        self, tracer: Tracer, reporter: Reporter, on_detach: Callable[[], None], *, may_detach: bool = True
    ) -> None:
        self.tracer = tracer
        self.reporter = reporter
        self._on_detach = on_detach
        #: not under a seccomp filter: its caught calls would fail (ENOSYS) with nobody tracing them
        self._may_detach = may_detach
        self._input_ended = False

    def __call__(self, batch: list[Event]) -> None:
        for event in batch:
            if isinstance(event, AllStopped) and isinstance(event.cause, NewThreadCaught):
                asyncio.get_running_loop().create_task(self._ask(event.cause))

    async def _ask(self, caught: NewThreadCaught) -> None:
        self.reporter.note(f"stopped {caught.describe()}; every thread is held")
        while self.tracer.is_live:
            answer = await self._next_answer()
            word = (answer or "c").strip().lower()[:1] or "c"
            if word == "s":
                self.reporter.lines(self._stacks(caught))
                continue
            if word == "d" and not self._may_detach:
                self.reporter.note(
                    "cannot detach: the program runs under the --syscalls filter, whose calls would fail "
                    "untraced; Ctrl-C ends it"
                )
                continue
            if word == "d":
                await self.tracer.detach()
                self.tracer.publish()
                self.reporter.note(f"detached from {self.tracer.pid}; it keeps running")
                self._on_detach()
                return
            if word != "c":
                self.reporter.note("answer c (continue), s (show the stacks) or d (detach)")
                continue
            self.tracer.resume()
            self.tracer.publish()
            return

    def _stacks(self, caught: NewThreadCaught) -> list[str]:
        from ..stacks import open_reader, render

        pid = self.tracer.pid
        with open_reader(pid) as reader:
            lines = []
            for stack in reader.stacks([caught.tid, caught.creator]):
                role = "new thread" if stack.tid == caught.tid else "its creator"
                name = procfs.thread_name(pid, stack.tid) or "?"
                lines.append(f"{role} {stack.tid} ({name}):")
                lines.extend("  " + render.frame_line(i, frame) for i, frame in enumerate(stack.frames))
        return lines

    async def _next_answer(self) -> str | None:
        """The next line typed; None once the input has ended (every later question: continue)."""
        self.reporter.ask(QUESTION)
        if not self._input_ended:
            answer = await _read_line()
            self._input_ended = answer is None
        if self._input_ended:
            self.reporter.unanswered()
            return None
        return answer


async def _read_line() -> str | None:
    """One line of our stdin (None at its end), read only now: between questions it is the program's."""
    loop = asyncio.get_running_loop()
    line: asyncio.Future[str | None] = loop.create_future()

    def hand_over(text: str | None) -> None:
        if not line.done():
            line.set_result(text)

    def read() -> None:
        text = _read_answer(sys.stdin.fileno())
        try:
            loop.call_soon_threadsafe(hand_over, text)
        except RuntimeError:  # the loop has closed: the command is ending
            pass

    # A daemon thread, not the loop's executor: a read still blocked when the program
    # ends must not keep the command from exiting.
    threading.Thread(target=read, name="prompt-reader", daemon=True).start()
    return await line


def _read_answer(fd: int) -> str | None:
    # A byte at a time, with no buffer of ours: what follows the answer in a pipe (or a file)
    # stays there for the program, which shares our stdin.
    data = bytearray()
    while not data.endswith(b"\n"):
        try:
            byte = os.read(fd, 1)
        except InterruptedError:
            continue
        except OSError:
            byte = b""
        if not byte:
            break
        data += byte
    return data.decode(errors="replace") if data else None
