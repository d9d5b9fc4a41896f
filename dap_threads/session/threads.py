"""threads: every live thread, the main thread first."""

from __future__ import annotations

from ..dap import messages as m
from ..dap.requests import request
from ..engine import procfs, program_facts
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
    # In a PID namespace the program knows its threads by other ids (NSpid): say which, read only there.
    namespaced = program_facts.own_namespace_id(pid, pid) is not None
    result = []
    for thread in tracer.live_threads():
        name = procfs.thread_name(pid, thread.tid)
        if name is None:
            name = "exiting"
        inner = program_facts.own_namespace_id(pid, thread.tid) if namespaced else None
        ids = f"{thread.tid}, ns {inner}" if inner is not None else f"{thread.tid}"
        result.append(m.Thread(id=thread.tid, name=f"{name} ({ids})"))
    return m.ThreadsResponseBody(threads=result)
