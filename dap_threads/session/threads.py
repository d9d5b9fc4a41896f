"""threads: every live thread, the main thread first."""

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
    pid = tracer.pid
    result = []
    for thread in tracer.live_threads():
        name = procfs.thread_name(pid, thread.tid)
        if name is None:
            name = "exiting"
        result.append(m.Thread(id=thread.tid, name=f"{name} ({thread.tid})"))
    return m.ThreadsResponseBody(threads=result)
