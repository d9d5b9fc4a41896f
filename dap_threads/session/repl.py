"""evaluate in the debug console (REPL): ``bt`` and ``bt all``, gdb's words for call stacks.

- ``bt`` (``backtrace``, ``where``): the selected thread's stack (the thread of
  the request's ``frameId``), one gdb-style line per frame;
- ``bt all`` (``thread apply all bt``): every thread's stack, threads with the
  same stack grouped, largest group first: "37 threads: futex_wait ←
  pthread_cond_wait ← worker_loop (pool.c:41) ← start_thread" (``stacks.render``).

Nothing else is evaluated (no expressions, no watch or hover): the answer
to anything else is an error that says what is understood.
"""

from __future__ import annotations

from ..dap import messages as m
from ..dap.requests import RequestError, request
from ..engine import procfs
from ..stacks import render
from .session import Session

_THREAD = {"bt", "backtrace", "where"}
_ALL = {"bt all", "backtrace all", "thread apply all bt", "thread apply all backtrace"}

HELP = (
    "dap-threads understands these debug console commands: 'bt' (the selected thread's stack) and "
    "'bt all' (every thread's stack, identical stacks grouped); it does not evaluate expressions"
)


@request("evaluate", m.EvaluateArguments)
async def evaluate(session: Session, args: m.EvaluateArguments) -> m.EvaluateResponseBody:
    command = " ".join(args.expression.split())
    context = args.context or "repl"
    if context != "repl":
        raise RequestError(f"cannot evaluate {args.expression[:60]!r} in the {context} context: {HELP}")
    if command in _THREAD:
        text = await _backtrace(session, args.frameId)
    elif command in _ALL:
        text = await _backtrace_all(session)
    else:
        raise RequestError(f"unknown command {args.expression[:60]!r}: {HELP}")
    return m.EvaluateResponseBody(result=text, variablesReference=0)


async def _backtrace(session: Session, frame_id: int | None) -> str:
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


async def _backtrace_all(session: Session) -> str:
    tracer = session.require_tracer()
    threads = sorted(tracer.live_threads(), key=lambda t: (t.tid != tracer.pid, t.tid))
    if not any(thread.stopped for thread in threads):
        raise RequestError("the program is running: pause it first ('bt all' reads the stacks of stopped threads)")
    stacks = await session.stacks.all_stacks(threads)
    names = {t.tid: procfs.thread_name(tracer.pid, t.tid) or "?" for t in threads}
    names[tracer.pid] = procfs.process_name(tracer.pid) or names.get(tracer.pid, "?")
    return render.text(tracer.pid, stacks, names).rstrip("\n")
