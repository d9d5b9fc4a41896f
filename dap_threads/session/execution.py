"""pause and continue (all-stop, and continue of a single thread)."""

from __future__ import annotations

from ..dap import messages as m
from ..dap.requests import request
from ..engine.events import AllStopped
from .session import Session


@request("pause", m.ThreadArguments)
async def pause(session: Session, args: m.ThreadArguments) -> None:
    tracer = session.require_tracer()
    session.require_thread(args.threadId)
    # All-stop: every thread is interrupted. The response goes first; the
    # `stopped` event follows once the last thread has stopped (DAP "pause").
    tracer.stop_all(announce=AllStopped("pause", args.threadId))
    return None


@request("continue", m.ThreadArguments, capabilities=("supportsSingleThreadExecutionRequests",))
async def continue_(session: Session, args: m.ThreadArguments) -> m.ContinueResponseBody:
    tracer = session.require_tracer()
    session.require_thread(args.threadId)
    if args.singleThread:
        session.forget_stop()
        tracer.resume(args.threadId)
        return m.ContinueResponseBody(allThreadsContinued=False)
    session.resuming()
    tracer.resume()
    return m.ContinueResponseBody(allThreadsContinued=True)
