"""Debug console commands for call stacks, in gdb's words (``console``).

- ``bt`` (``backtrace``, ``where``): the selected thread's stack (the thread of
  the request's ``frameId``), one gdb-style line per frame;
- ``bt all`` (``thread apply all bt``): every thread's stack, threads with the
  same stack grouped, largest group first: "37 threads: futex_wait ←
  pthread_cond_wait ← worker_loop (pool.c:41) ← start_thread" (``stacks.render``).
"""

from __future__ import annotations

from ..dap.requests import RequestError
from ..engine import procfs
from ..stacks import render
from .console import console_command
from .session import Session


@console_command("bt", "backtrace", "where", about="the selected thread's stack")
async def _backtrace(session: Session, rest: str, frame_id: int | None) -> str:
    if rest:
        raise RequestError(f"'bt' takes no argument (got {rest[:40]!r}); 'bt all' shows every thread's stack")
    if frame_id is None:
        raise RequestError("'bt' shows the selected thread's stack: select a thread or frame first (or use 'bt all')")
    frame = session.frames.frame(frame_id)
    if frame is None:
        raise RequestError(f"no frame {frame_id}: frame ids last only until the program resumes")
    tracer = session.require_tracer()
    stack = await session.stacks.stack(session.require_thread(frame.tid, stopped=True))
    name = procfs.thread_name(tracer.pid, frame.tid) or "?"
    lines = [f"Thread {frame.tid} ({name}):"]
    lines.extend(render.frame_line(i, f) for i, f in enumerate(stack.frames))
    return "\n".join(lines)


@console_command(
    "bt all",
    "backtrace all",
    "thread apply all bt",
    "thread apply all backtrace",
    about="every thread's stack, identical stacks grouped",
)
async def _backtrace_all(session: Session, rest: str, frame_id: int | None) -> str:
    if rest:
        raise RequestError(f"'bt all' takes no argument (got {rest[:40]!r})")
    tracer = session.require_tracer()
    threads = sorted(tracer.live_threads(), key=lambda t: (t.tid != tracer.pid, t.tid))
    if not any(thread.stopped for thread in threads):
        raise RequestError("the program is running: pause it first ('bt all' reads the stacks of stopped threads)")
    stacks = await session.stacks.all_stacks(threads)
    names = {t.tid: procfs.thread_name(tracer.pid, t.tid) or "?" for t in threads}
    names[tracer.pid] = procfs.process_name(tracer.pid) or names.get(tracer.pid, "?")
    return render.text(tracer.pid, stacks, names).rstrip("\n")
