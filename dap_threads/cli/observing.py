"""The observe library on the terminal: live facts for `watch`/`run`, their files and their exit summaries.

``watch`` and ``run`` always sample (once a second, /proc only: the program
is never stopped), so that each ``exited`` line can say how the thread lived
(``lived 0.601 s, CPU 0.12 s, last S nanosleep``: the CPU time and state of
the last sample before its end). With ``--record FILE`` the whole timeline is
written as a self-contained HTML page when the program ends or we detach,
with ``--trace-json FILE`` as Chrome Trace Event JSON (Perfetto, chrome://tracing);
``watch --tree`` draws the creation tree live (``tree_view``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

import attrs

from ..engine.tracer import Tracer
from ..observe.facts import ThreadFacts
from ..observe.lineage import Node
from ..observe.names import cpu_text, tidy
from ..observe.observer import Observer

log = logging.getLogger(__name__)


@attrs.frozen
class ExitRecord:
    """How a thread lived, for its ``exited`` line."""

    lived: float
    #: CPU time and state as of the last sample (at most a sampling interval before the end); None: never sampled
    cpu_time: float | None
    state: str | None
    wait: str | None

    def text(self) -> str:
        """``lived 0.601 s, CPU 0.12 s, last S nanosleep``."""
        parts = [f"lived {self.lived:.3f} s"]
        if self.cpu_time is not None:
            parts.append(f"CPU {self.cpu_time:.2f} s")
        if self.state in ("Z", "X"):
            parts.append("last seen exiting")
        elif self.state is not None:
            parts.append("last " + tidy(f"{self.state} {self.wait or ''}"))
        return ", ".join(parts)


class Observing:
    def __init__(
        self,
        tracer: Tracer,
        *,
        attached: bool,
        interval: float = 1.0,
        record: str | None = None,
        trace_json: str | None = None,
    ) -> None:
        self.tracer = tracer
        self.interval = interval
        self.record = record
        self.trace_json = trace_json
        self.observer = Observer(tracer.pid, attached=attached, job_stopped=self._job_stopped)
        # Subscribed before the reporter: a thread's node exists when its exit line is written.
        tracer.subscribe(self.observer.on_events)
        self.on_sample: Callable[[], None] | None = None
        self._task: asyncio.Task[None] | None = None

    def _job_stopped(self, tid: int) -> bool:
        thread = self.tracer.threads.get(tid)
        return thread is not None and thread.group_stop

    def start(self) -> None:
        self.observer.lineage.refresh_names()  # threads there at attach, before a sample names them
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        try:
            while self.tracer.is_live:
                await self.observer.sample_async()
                if self.on_sample is not None:
                    self.on_sample()
                await asyncio.sleep(self.interval)
        except Exception:  # the program's run matters more than our picture of it
            log.exception("sampling stopped")

    def finish(self) -> list[str]:
        """Stop sampling and write the files asked for; returns a note per file."""
        if self._task is not None:
            self._task.cancel()
        self.observer.close()
        notes = []
        threads = len(self.observer.lineage.remembered())
        for path, write, what in (
            (self.record, self.observer.write_html, "timeline (HTML)"),
            (self.trace_json, self.observer.write_trace_json, "trace (Chrome Trace Event JSON)"),
        ):
            if path is None:
                continue
            try:
                write(path)
            except OSError as exc:
                notes.append(f"cannot write the {what} to {path}: {exc.strerror}")
                continue
            notes.append(f"{what} of {threads:,} threads written to {Path(path).resolve()}")
        return notes

    # ----- what a line says of a thread ------------------------------------------------------

    def facts_text(self, node: Node) -> str:
        """``S 0% futex`` from the last sample of a live thread; '' if none."""
        if not node.alive:
            return ""
        return facts_text(self.observer.sampler.thread(node.tid))

    def exit_record(self, tid: int, at: float) -> ExitRecord | None:
        """How a thread that just exited lived: its life's length, and its last sample's CPU time and state."""
        node = self.observer.lineage.node(tid)
        if node is None:
            return None
        last = node.last if isinstance(node.last, ThreadFacts) else None
        return ExitRecord(
            lived=max(0.0, at - node.born),
            cpu_time=None if last is None else last.cpu_time,
            state=None if last is None else last.state.letter,
            wait=None if last is None else (last.wait_short or None),
        )


def facts_text(facts: ThreadFacts | None) -> str:
    if facts is None:
        return ""
    return tidy(f"{facts.state.letter} {cpu_text(facts.cpu_percent)} {facts.wait_short}")
