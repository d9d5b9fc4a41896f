"""The "Thread" scope of a paused thread's frames: its live facts, and where it came from.

What it shows (DAP variables, read-only strings):
- from the last sample before the pause (a paused thread reads as ``t`` in
  /proc; ``Sampler`` keeps its last facts): state, what it waits in (the
  syscall with its first arguments decoded, and the kernel's wchan), CPU%;
- read now, exact while it is stopped: CPU time, the CPU it last ran on,
  context switches, affinity;
- from the lineage (clone events): its creator, the frame that called
  pthread_create/clone (``creation.CreationSites``, expandable to the whole
  creation stack), its ancestry, the threads it created, its birth time and
  age. A thread that was there at attach has no creator; its birth time
  comes from /proc (stat's starttime).

The scope is the same for every frame of the thread; it is listed first, as
it answers "what is this thread doing" before any frame's registers do.
"""

from __future__ import annotations

import os
import time

from ..dap import messages as m
from ..engine import procfs
from ..observe.facts import ThreadFacts
from ..observe.lineage import Lineage, Node
from ..observe.procparse import Stat, parse_stat, parse_status
from ..observe.statfiles import read_proc
from .creation import CreationSite
from .frames import FrameRef
from .scopes import scope_provider
from .session import Session
from .thread_pane import ThreadPane

STACK_KIND = "thread-creation-stack"


class ThreadScope:
    kind = "thread"

    async def scope(self, session: Session, frame: FrameRef, reference: int) -> m.Scope | None:
        session.require_thread(frame.tid, stopped=True)
        if session.pane is None:
            return None
        return m.Scope(name="Thread", variablesReference=reference, expensive=False)

    async def variables(self, session: Session, frame: FrameRef) -> list[m.Variable]:
        session.require_thread(frame.tid, stopped=True)
        pane = session.pane
        if pane is None:
            return []
        tid = frame.tid
        site = await session.creation.site(tid)
        stack_ref = 0
        if site is not None:
            stack_ref = session.frames.container_ref(session.frames.frame_id(tid, frame.level), STACK_KIND)
        rows = _facts_rows(pane, tid) + _origin_rows(session, pane, tid, site, stack_ref)
        return [_variable(name, value, ref) for name, value, ref in rows]


class CreationStack:
    """The creator's stack at the clone, under the Thread scope's "created at" (no scope of its own)."""

    kind = STACK_KIND

    async def scope(self, session: Session, frame: FrameRef, reference: int) -> m.Scope | None:
        return None

    async def variables(self, session: Session, frame: FrameRef) -> list[m.Variable]:
        site = await session.creation.site(frame.tid)
        if site is None:
            return []
        return [
            _variable(f"#{i}", _frame_text(site, i) + ("  ← created the thread" if i == site.caller else ""))
            for i in range(len(site.frames))
        ]


scope_provider(ThreadScope(), first=True)
scope_provider(CreationStack())

Row = tuple[str, str, int]


def _facts_rows(pane: ThreadPane, tid: int) -> list[Row]:
    pid = pane.tracer.pid
    facts = pane.observer.sampler.thread(tid)
    rows: list[Row] = []
    if facts is None:
        why = "born after the last sample" if pane.options.sample else "sampling is off (sampleThreads: false)"
        rows.append(("state", f"not sampled yet: {why}", 0))
    else:
        # Sampled while it ran; a paused thread is not sampled (it would read "t").
        rows.extend(_sampled_rows(facts, facts.stale or pane.observer.sampler.is_held(tid)))
    base = f"/proc/{pid}/task/{tid}"
    raw = read_proc(f"{base}/stat")
    stat = parse_stat(raw) if raw else None
    if stat is not None:
        rows.extend(_stat_rows(stat))
    status_raw = read_proc(f"{base}/status")
    if status_raw:
        status = parse_status(status_raw)
        if status.voluntary is not None and status.involuntary is not None:
            rows.append(("context switches", f"{status.voluntary:,} voluntary, {status.involuntary:,} involuntary", 0))
        if status.affinity:
            rows.append(("affinity", f"CPUs {status.affinity}", 0))
    return rows


def _sampled_rows(facts: ThreadFacts, held: bool) -> list[Row]:
    before = " (before the pause)" if held else ""
    rows: list[Row] = [("state", f"{facts.state.letter} {facts.state.label}{before}", 0)]
    if facts.state.blocked:
        if facts.syscall is not None:
            rows.append(("waits in", facts.syscall.describe(), 0))
        if facts.wchan:
            rows.append(("kernel wait (wchan)", facts.wchan, 0))
    if facts.cpu_percent is not None:
        rows.append(("CPU", f"{facts.cpu_percent:.0f}% of a CPU over the last sample interval{before}", 0))
    return rows


def _stat_rows(stat: Stat) -> list[Row]:
    ticks = os.sysconf("SC_CLK_TCK")
    user, system = stat.utime / ticks, stat.stime / ticks
    return [
        ("CPU time", f"{user + system:.2f} s (user {user:.2f} s, system {system:.2f} s)", 0),
        ("last CPU", str(stat.processor), 0),
    ]


def _origin_rows(session: Session, pane: ThreadPane, tid: int, site: CreationSite | None, stack_ref: int) -> list[Row]:
    lineage = pane.observer.lineage
    node = lineage.node(tid)
    if node is None:
        return [("creator", "unknown: the thread was not seen being born", 0)]
    rows: list[Row] = [("creator", _creator_text(pane, node, lineage), 0)]
    if node.creator is not None:
        if site is not None:
            rows.append(("created at", site.caller_frame.describe(), stack_ref))
        else:
            rows.append(("created at", session.creation.why_missing(), 0))
    chain = lineage.ancestry(tid)
    if len(chain) > 2:
        rows.append(("ancestry", " ← ".join(f"{n.tid} {pane.node_name(n, now=True)}" for n in chain), 0))
    rows.extend(_birth_rows(pane, node, lineage))
    children = list(node.kids())
    if children:
        alive = sum(1 for child in children if child.alive)
        rows.append(("threads it created", f"{len(children):,} ({alive:,} alive)", 0))
    return rows


def _creator_text(pane: ThreadPane, node: Node, lineage: Lineage) -> str:
    if node.creator is None:
        if node.sampled:
            return "unknown: first seen by a sample"
        return "none: present at attach" if lineage.attached else "none: the program's main thread"
    parent = node.parent
    if parent is None:
        return f"{node.creator} (its record was dropped: too many threads ago)"
    return f"{parent.tid} {pane.node_name(parent, now=True)}"


def _birth_rows(pane: ThreadPane, node: Node, lineage: Lineage) -> list[Row]:
    now = time.time()
    born, note = node.born, ""
    if node.creator is None and lineage.attached:
        from_proc = procfs.thread_start_time(pane.tracer.pid, node.tid)
        if from_proc is not None:
            born, note = from_proc, " (before the attach; from /proc)"
    start = lineage.start
    since = ""
    if start is not None and born >= start:
        since = f", {born - start:.3f} s after the {'attach' if lineage.attached else 'launch'}"
    return [
        ("born", f"{_clock(born)}{since}{note}", 0),
        ("age", _duration(now - born), 0),
    ]


def _clock(when: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(when)) + f".{int(when * 1000) % 1000:03d}"


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def _frame_text(site: CreationSite, i: int) -> str:
    frame = site.frames[i]
    module = f"  [{frame.module.short_name}]" if frame.module is not None else ""
    return f"{frame.describe()}{module}"


def _variable(name: str, value: str, reference: int = 0) -> m.Variable:
    return m.Variable(name=name, value=value, variablesReference=reference)
