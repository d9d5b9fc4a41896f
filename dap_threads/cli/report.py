"""What `watch` and `run` print: thread events and their own notes, told apart from the program's output.

The program writes to the same terminal, so every line of ours is marked: it starts with
``[dap-threads]``, and on a colour terminal it is also cyan (NO_COLOR, https://no-color.org,
turns colour off). ``--json`` prints one JSON object per line instead, for other programs.

With ``--syscalls`` a traced call is one line when it returns, strace style:
``[dap-threads] 12:34:56.789 [4242 worker-1] openat(AT_FDCWD, "/etc/hosts", O_RDONLY|O_CLOEXEC) = 3``
(a call that never returns, exit_group, at its entry with ``= ?``). ``--stop-on-new-thread``
asks its question here too (``ask``), and shows stacks as marked lines (``lines``).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from typing import Any, TextIO

import attrs

from ..engine import procfs
from ..engine.events import ChildDetached, Event, Output, ProcessExited, SyscallSeen, ThreadExited, ThreadStarted
from ..engine.names import ThreadNames as FastNames

MARK = "[dap-threads]"
_COLOUR, _RESET = "\x1b[36m", "\x1b[0m"

#: Calls whose exit never comes: shown at their entry.
_NO_RETURN = frozenset({"exit", "exit_group"})


def shown_at(event: SyscallSeen) -> bool:
    """A call is one line: at its exit, or at its entry when it never returns."""
    return event.caught.phase == "exit" or event.caught.name in _NO_RETURN


def wants_colour(out: TextIO) -> bool:
    return out.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


class ThreadNames:
    """The name each thread had, looked up again until it exits (threads usually name themselves after starting)."""

    #: How often the names of live threads are read again (``refresh``): a storm publishes a batch every
    #: few tens of µs, and reading every live name per batch cost more than the events themselves.
    REFRESH_SECONDS = 0.01

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._names: dict[int, str] = {}
        self._reader = FastNames(pid)
        self._refreshed = 0.0

    def refresh(self) -> None:
        now = time.monotonic()
        # past 256 threads, the reads would cost more than the names are worth
        if len(self._names) > 256 or now - self._refreshed < self.REFRESH_SECONDS:
            return
        self._refreshed = now
        tids = list(self._names)
        for tid, name in zip(tids, self._reader.read(tids, None)):
            if name is not None:
                self._names[tid] = name

    def started(self, tid: int) -> str:
        name = self._read(tid) or "?"
        self._names[tid] = name
        return name

    def exited(self, tid: int) -> str:
        return self._names.pop(tid, None) or self._read(tid) or "?"

    def close(self) -> None:
        """The process is gone: let go of its /proc/PID/task descriptor (``run`` follows many children)."""
        self._reader.forget()

    def _read(self, tid: int) -> str | None:
        # The kept /proc/PID/task descriptor first (a third of the cost); the plain path where it fails.
        return self._reader.read_one(tid) or procfs.thread_name(self.pid, tid)


class Reporter:
    """Writes events and notes; a write that fails (the reader went away) stops the reporting, not the run."""

    def __init__(self, pid: int, out: TextIO) -> None:
        self.pid = pid
        self.out = out
        self.names = ThreadNames(pid)
        self._broken = False
        #: (tid, exit time) -> how it lived (``observing.ExitRecord``), for the exited lines
        self.exit_record: Callable[[int, float], Any] | None = None
        #: event lines are not written (``watch --tree`` at a terminal draws the tree instead)
        self.quiet_events = False

    def __call__(self, batch: list[Event]) -> None:
        # Names matter at a thread's exit: a batch of syscall lines alone does not pay for the reads.
        if any(isinstance(event, ThreadExited) for event in batch):
            self.names.refresh()
        lines = [line for line in map(self.format, batch) if line]
        if not self.quiet_events:
            self._write(lines)
        if batch and isinstance(batch[-1], ProcessExited):  # the tracer's last event: close its /proc descriptor
            self.names.close()

    def lived(self, event: ThreadExited) -> Any:
        return self.exit_record(event.tid, event.time) if self.exit_record is not None else None

    def output(self, event: Output) -> None:
        """The program's own output, when it was captured (``--json``)."""
        self._write([line for line in [self.format(event)] if line])

    def note(self, text: str) -> None:
        self._write([self.format_note(text)])

    def lines(self, texts: list[str]) -> None:
        """A block of text of ours (the stacks shown at a prompt)."""
        self._write([self.format_lines(texts)])

    def ask(self, question: str) -> None:
        """A question the user answers on stdin (``--stop-on-new-thread``)."""
        self._write([self.format_question(question)])

    def unanswered(self) -> None:
        """The question got no answer: stdin has ended."""
        self._write([line for line in [self.format_unanswered()] if line])

    def progress(self, stage: str, title: str, done: int, total: int) -> None:
        """Long work (an attach to thousands of threads): ``stage`` is start, update or end."""
        line = self.format_progress(stage, title, done, total)
        if line:
            self._write([line])

    def format_progress(self, stage: str, title: str, done: int, total: int) -> str | None:
        raise NotImplementedError

    def format(self, event: Event) -> str | None:
        raise NotImplementedError

    def format_note(self, text: str) -> str:
        raise NotImplementedError

    def format_lines(self, texts: list[str]) -> str:
        raise NotImplementedError

    def format_question(self, question: str) -> str:
        raise NotImplementedError

    def format_unanswered(self) -> str | None:
        return None

    def _write(self, lines: list[str]) -> None:
        if not lines or self._broken:
            return
        try:
            self.out.write("".join(lines))
            self.out.flush()
        except OSError:
            self._broken = True


class TextReporter(Reporter):
    """``[dap-threads] 12:34:56.789 started 4242 worker-1 (created by 4241)``"""

    def __init__(self, pid: int, out: TextIO, colour: bool) -> None:
        super().__init__(pid, out)
        self._start, self._end = (_COLOUR, _RESET) if colour else ("", "")
        self._second = -1
        self._hms = ""

    def _line(self, text: str, when: float | None = None) -> str:
        when = time.time() if when is None else when
        second = int(when)
        if second != self._second:  # strftime once a second, not once a line (a storm prints thousands)
            self._second = second
            self._hms = time.strftime("%H:%M:%S", time.localtime(when))
        return f"{self._start}{MARK} {self._hms}.{int(when * 1000) % 1000:03d} {text}{self._end}\n"

    def format(self, event: Event) -> str | None:
        if isinstance(event, ThreadStarted):
            name = self.names.started(event.tid)
            origin = (
                f"created by {event.creator}" if event.creator else ("main" if event.tid == self.pid else "existing")
            )
            return self._line(f"started {event.tid} {name} ({origin})", event.time)
        if isinstance(event, ThreadExited):
            record = self.lived(event)
            summary = f"  ({record.text()})" if record is not None else ""
            return self._line(f"exited  {event.tid} {self.names.exited(event.tid)}{summary}", event.time)
        if isinstance(event, ProcessExited):
            return self._line(f"process {self.pid} {event.description}")
        if isinstance(event, ChildDetached):
            return self._line(f"{event.how} child {event.pid} of {event.parent} left untraced")
        if isinstance(event, SyscallSeen):
            if not shown_at(event):
                return None
            caught = event.caught
            result = caught.result_text if caught.phase == "exit" else "?"
            return self._line(f"[{caught.tid} {event.thread_name}] {caught.call} = {result}", event.time)
        if isinstance(event, Output):
            return event.text  # only captured with --json; written as it came
        return None

    def format_note(self, text: str) -> str:
        return self._line(text)

    def format_lines(self, texts: list[str]) -> str:
        return "".join(f"{self._start}{MARK} {text}{self._end}\n" for text in texts)

    def format_question(self, question: str) -> str:
        return f"{self._start}{MARK} {question}{self._end} "

    def format_unanswered(self) -> str | None:
        return "\n"  # the question's line ends here, not where the next line of ours starts

    def format_progress(self, stage: str, title: str, done: int, total: int) -> str | None:
        # On a terminal the line is rewritten in place; elsewhere only its start and end are written.
        live = self.out.isatty()
        if stage == "update" and not live:
            return None
        text = f"{title}: {done} of {total}" if stage != "end" else f"{title}: done, {total}"
        line = self._line(text)
        if not live:
            return line
        return "\r\x1b[K" + line.rstrip("\n") + ("\n" if stage == "end" else "")


class JsonReporter(Reporter):
    """One JSON object per line: ``{"event": "thread-started", "time": ..., "pid": ..., "tid": ..., ...}``."""

    def _line(self, event: str, when: float | None = None, **fields: Any) -> str:
        record = {"event": event, "time": round(time.time() if when is None else when, 6), "pid": self.pid, **fields}
        return json.dumps(record) + "\n"

    def format(self, event: Event) -> str | None:
        if isinstance(event, ThreadStarted):
            name = self.names.started(event.tid)
            return self._line("thread-started", event.time, tid=event.tid, name=name, creator=event.creator)
        if isinstance(event, ThreadExited):
            record = self.lived(event)
            lived = attrs.asdict(record) if record is not None else {}
            return self._line("thread-exited", event.time, tid=event.tid, name=self.names.exited(event.tid), **lived)
        if isinstance(event, ProcessExited):
            return self._line("process-exited", exitCode=event.exit_code, description=event.description)
        if isinstance(event, ChildDetached):
            return self._line("child-detached", child=event.pid, parent=event.parent, how=event.how)
        if isinstance(event, SyscallSeen):
            if not shown_at(event):
                return None
            caught = event.caught
            return self._line(
                "syscall",
                event.time,
                tid=caught.tid,
                thread=event.thread_name,
                name=caught.name,
                call=caught.call,
                result=caught.result if caught.phase == "exit" else None,
                resultText=caught.result_text if caught.phase == "exit" else None,
            )
        if isinstance(event, Output):
            return self._line("output", stream=event.stream, text=event.text)
        return None

    def format_note(self, text: str) -> str:
        return self._line("note", text=text)

    def format_lines(self, texts: list[str]) -> str:
        return self._line("text", lines=texts)

    def format_question(self, question: str) -> str:
        return self._line("question", text=question)

    def format_progress(self, stage: str, title: str, done: int, total: int) -> str | None:
        return self._line(f"progress-{stage}", title=title, done=done, total=total)


def reporter_for(pid: int, out: TextIO, as_json: bool) -> Reporter:
    return JsonReporter(pid, out) if as_json else TextReporter(pid, out, wants_colour(out))
