"""threads: every live thread, main first, named as ``threadName`` says (``worker-3 (12345) · S 0% futex``)."""

from __future__ import annotations

from ..dap import messages as m
from ..dap.requests import request
from ..engine import procfs
from .session import Session


@request("threads", m.NoArguments)
async def threads(session: Session, args: m.NoArguments) -> m.ThreadsResponseBody:
    tracer = session.active_tracer
    if tracer is None:
        return m.ThreadsResponseBody(threads=[])
    # A leader that called pthread_exit reports nothing until the whole
    # process ends; look, so it is not listed as alive.
    tracer.check_leader()
    # Any thread event not yet written goes out before this response names its tid.
    tracer.publish()
    pid, pane = tracer.pid, session.pane
    result = []
    for thread in tracer.live_threads():
        name = procfs.thread_name(pid, thread.tid)
        if name is None:
            name = "exiting"
        # With state, CPU and wait from the last sample (session/thread_pane.py).
        text = pane.name(thread.tid, name) if pane is not None else f"{name} ({thread.tid})"
        result.append(m.Thread(id=thread.tid, name=text))
    if pane is not None:
        pane.listed(thread.id for thread in result)
    return m.ThreadsResponseBody(threads=result)
