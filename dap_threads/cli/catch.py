"""Catchpoints on the terminal: `run --syscalls` lines (strace style) and the `--stop-on-new-thread` prompt.

``--syscalls openat,connect`` prints one line per call when it returns,
``[tid name] openat(AT_FDCWD, "/etc/hosts", O_RDONLY|O_CLOEXEC) = 3``, the
arguments read at its entry (``syscalls.arguments``), failures with their
errno name; a call that does not return (exit_group) is printed at its entry
with ``= ?``. The program is not stopped for them: the tracer reports each
call and resumes the thread at once.

``--stop-on-new-thread[=GLOB]`` stops every thread when the program creates
one (a glob on the creator's name, as the DAP filter's condition), and asks
on the terminal: continue, show the stacks of the new thread and its
creator, or detach (the program runs on untraced). The answers are read
from our stdin (a launched program's stdin is /dev/null); at its end the
program continues and nothing more is asked.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

import attrs

from ..engine import procfs
from ..engine.events import AllStopped, Event, NewThreadCaught, SyscallSeen
from ..engine.newthread import NewThreadWatch, parse_globs
from ..engine.syscalls import seccomp
from ..engine.syscalls.catch import SyscallCatch, parse_names, set_syscall_catch, suggestion
from ..engine.tracer import Tracer

#: Calls whose exit never comes: printed at their entry.
_NO_RETURN = frozenset({"exit", "exit_group"})


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


def stamp(when: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(when)) + f".{int(when * 1000) % 1000:03d}"


def syscall_line(event: SyscallSeen) -> str | None:
    caught = event.caught
    if caught.phase == "entry":
        if caught.name not in _NO_RETURN:
            return None
        return f"{stamp(event.time)} [{caught.tid} {event.thread_name}] {caught.call} = ?\n"
    return f"{stamp(event.time)} [{caught.tid} {event.thread_name}] {caught.call} = {caught.result_text}\n"


class Catches:
    """Syscall lines (``line``, for the event printer, so that they keep their place among thread
    events), and, as a tracer listener, the question at each new-thread stop."""

    def __init__(self, tracer: Tracer, out: TextIO, on_detach: Callable[[], None], *, may_detach: bool = True) -> None:
        self.tracer = tracer
        self.out = out
        self._on_detach = on_detach
        #: not under a seccomp filter: its caught calls would fail (ENOSYS) with nobody tracing them
        self._may_detach = may_detach
        self._answers: asyncio.Queue[str | None] | None = None
        self._input_ended = False

    def line(self, event: Event) -> str | None:
        if isinstance(event, SyscallSeen):
            return syscall_line(event)
        return None

    def __call__(self, batch: list[Event]) -> None:
        for event in batch:
            if isinstance(event, AllStopped) and isinstance(event.cause, NewThreadCaught):
                asyncio.get_running_loop().create_task(self._ask(event.cause))

    async def _ask(self, caught: NewThreadCaught) -> None:
        self.out.write(f"{stamp(time.time())} stopped {caught.describe()}; every thread is held\n")
        while self.tracer.is_live:
            self.out.write("dap-threads: [c]ontinue, [s]tack, [d]etach? ")
            self.out.flush()
            answer = await self._next_answer()
            word = (answer or "c").strip().lower()[:1] or "c"
            if word == "s":
                self.out.write(self._stacks(caught))
                continue
            if word == "d" and not self._may_detach:
                self.out.write(
                    "cannot detach: the program runs under the --syscalls filter, whose calls would fail "
                    "untraced; Ctrl-C ends it\n"
                )
                continue
            if word == "d":
                await self.tracer.detach()
                self.tracer.publish()
                self.out.write(f"detached from {self.tracer.pid}; it keeps running\n")
                self._on_detach()
                return
            if word != "c":
                self.out.write("answer c (continue), s (show the stacks) or d (detach)\n")
                continue
            self.tracer.resume()
            self.tracer.publish()
            return

    def _stacks(self, caught: NewThreadCaught) -> str:
        from ..stacks import open_reader, render

        pid = self.tracer.pid
        with open_reader(pid) as reader:
            lines = []
            for stack in reader.stacks([caught.tid, caught.creator]):
                role = "new thread" if stack.tid == caught.tid else "its creator"
                name = procfs.thread_name(pid, stack.tid) or "?"
                lines.append(f"{role} {stack.tid} ({name}):")
                lines.extend("  " + render.frame_line(i, frame) for i, frame in enumerate(stack.frames))
        return "\n".join(lines) + "\n"

    async def _next_answer(self) -> str | None:
        """The next line typed; None once the input has ended (every later question: continue)."""
        if self._input_ended:
            self.out.write("\n")
            return None
        if self._answers is None:
            self._answers = asyncio.Queue()
            _start_reading_lines(asyncio.get_running_loop(), self._answers)
        answer = await self._answers.get()
        if answer is None:
            self._input_ended = True
            self.out.write("\n")
        return answer


def _start_reading_lines(loop: asyncio.AbstractEventLoop, answers: asyncio.Queue[str | None]) -> None:
    # A daemon thread, not the loop's executor: a read still blocked when the program
    # ends must not keep the command from exiting.
    def hand_over(line: str | None) -> bool:
        try:
            loop.call_soon_threadsafe(answers.put_nowait, line)
            return True
        except RuntimeError:  # the loop has closed: the command is ending
            return False

    def read() -> None:
        for line in sys.stdin:
            if not hand_over(line):
                return
        hand_over(None)

    threading.Thread(target=read, name="prompt-reader", daemon=True).start()
