"""Engine events as DAP events: (event name, body)."""

from __future__ import annotations

from typing import Any

from ..dap import messages as m
from ..engine import events as e


def translate(event: e.Event) -> tuple[str, Any] | None:
    if isinstance(event, e.ThreadStarted):
        return "thread", m.ThreadEventBody(reason="started", threadId=event.tid)
    if isinstance(event, e.ThreadExited):
        return "thread", m.ThreadEventBody(reason="exited", threadId=event.tid)
    if isinstance(event, e.AllStopped):
        return "stopped", m.StoppedEventBody(reason=event.reason, threadId=event.tid, allThreadsStopped=True)
    if isinstance(event, e.ProcessExited):
        return "exited", m.ExitedEventBody(exitCode=event.exit_code)
    if isinstance(event, e.Output):
        return "output", m.OutputEventBody(output=event.text, category=event.stream)
    return None  # ChildDetached: logged by the engine, nothing to show in the editor yet
