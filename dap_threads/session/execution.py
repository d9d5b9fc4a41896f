"""pause and continue (all-stop, and continue of a single thread)."""

from __future__ import annotations

from ..dap import messages as m
from ..dap.requests import RequestError, request
from ..engine.events import AllStopped
from ..engine.tracer import Tracer
from .session import Session


@request("pause", m.ThreadArguments)
async def pause(session: Session, args: m.ThreadArguments) -> None:
    tracer = session.require_tracer()
    _known_thread(tracer, args.threadId)
    # All-stop: every thread is interrupted. The response goes first; the
    # `stopped` event follows once the last thread has stopped (DAP "pause").
    tracer.stop_all(announce=AllStopped("pause", args.threadId))
    return None


@request("continue", m.ThreadArguments, capabilities=("supportsSingleThreadExecutionRequests",))
async def continue_(session: Session, args: m.ThreadArguments) -> m.ContinueResponseBody:
    tracer = session.require_tracer()
    _known_thread(tracer, args.threadId)
    session.frames.clear()
    if args.singleThread:
        tracer.resume(args.threadId)
        return m.ContinueResponseBody(allThreadsContinued=False)
    tracer.resume()
    return m.ContinueResponseBody(allThreadsContinued=True)


def _known_thread(tracer: Tracer, tid: int) -> None:
    thread = tracer.threads.get(tid)
    if thread is None or thread.exit_announced:
        raise RequestError(
            f"no thread {tid} in process {tracer.pid} (it has exited, or never existed); "
            f"the 'threads' request lists the live ones"
        )
