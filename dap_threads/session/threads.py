"""threads: every live thread, main first, named as ``threadName`` says (``worker-3 (12345) · S 0% futex``)."""

from __future__ import annotations

from ..dap import messages as m
from ..dap.requests import request
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
    live = tracer.live_threads()
    names = tracer.thread_names(live)
    pane = session.pane
    if pane is None:
        return {"threads": [{"id": t.tid, "name": f"{name or 'exiting'} ({t.tid})"} for t, name in zip(live, names)]}
    # With state, CPU and wait from the last sample (session/thread_pane.py).
    result: list[m.Thread] = [
        {"id": t.tid, "name": pane.name(t.tid, name or "exiting")} for t, name in zip(live, names)
    ]
    pane.listed(t.tid for t in live)
    return {"threads": result}
