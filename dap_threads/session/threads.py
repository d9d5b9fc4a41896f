"""threads: every live thread, main first, named as ``threadName`` says (``worker-3 (12345) · S 0% futex``)."""

from __future__ import annotations

from ..dap import messages as m
from ..dap.requests import request
from ..engine import program_facts
from .session import Session


@request("threads", m.NoArguments)
async def threads(session: Session, args: m.NoArguments) -> m.ThreadsResponseBody:
    tracer = session.active_tracer
    if tracer is None:
        return {"threads": []}
    # A leader that called pthread_exit reports nothing until the whole
    # process ends; look, so it is not listed as alive.
    tracer.check_leader()
    # Any thread event not yet written goes out before this response names its tid.
    tracer.publish()
    pid = tracer.pid
    live = tracer.live_threads()
    names = tracer.thread_names(live)
    # In a PID namespace the program knows its threads by other ids (NSpid): say which, read only there.
    namespaced = program_facts.own_namespace_id(pid, pid) is not None
    ids = [_ids(pid, t.tid, namespaced) for t in live]
    pane = session.pane
    if pane is None:
        return {
            "threads": [{"id": t.tid, "name": f"{name or 'exiting'} ({i})"} for t, name, i in zip(live, names, ids)]
        }
    # With state, CPU and wait from the last sample (session/thread_pane.py).
    result: list[m.Thread] = [
        {"id": t.tid, "name": pane.name(t.tid, name or "exiting", i)} for t, name, i in zip(live, names, ids)
    ]
    pane.listed(t.tid for t in live)
    return {"threads": result}


def _ids(pid: int, tid: int, namespaced: bool) -> str:
    inner = program_facts.own_namespace_id(pid, tid) if namespaced else None
    return f"{tid}, ns {inner}" if inner is not None else str(tid)
