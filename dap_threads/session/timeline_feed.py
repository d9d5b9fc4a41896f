"""dapThreads.timeline (a request of ours): the thread timeline for an editor's panel, then live batches.

The response carries everything recorded so far (``Timeline.to_data()``'s
format, ``observe/timeline.py``) with the drawing code that reads it
(``observe/assets/timeline.js`` and its style), so a panel draws exactly what
this adapter records, whatever version the editor's extension is. With
``follow`` (the default), what is recorded afterwards goes out as custom
``dapThreads.timeline`` events, at most one per sampling tick (a second),
each a ``Timeline.take_batch()``: new threads, exits, names, state changes,
pauses. ``follow: false`` stops them (the panel was closed).

Custom requests and events are allowed by the spec (a client ignores events
it does not know); VS Code's extension receives them through
``onDidReceiveDebugSessionCustomEvent``. Nothing is sent to a client that
never asked.
"""

from __future__ import annotations

from typing import Any

from ..dap import messages as m
from ..dap.requests import RequestError, request
from ..observe import html
from .session import Session


@request("dapThreads.timeline", m.TimelineArguments)
async def timeline(session: Session, args: m.TimelineArguments) -> dict[str, Any]:
    pane = session.pane
    if pane is None:
        raise RequestError("no program is being debugged: send 'attach' or 'launch' first")
    data = pane.timeline(args.follow)
    return {"data": data, "script": html.script(), "style": html.style()}
