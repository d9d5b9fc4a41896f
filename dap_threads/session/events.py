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
        description = stop_description(event)
        text = describe_stop(event)[1] if event.cause is not None else None
        return "stopped", m.StoppedEventBody(
            reason=event.reason, threadId=event.tid, allThreadsStopped=True, description=description, text=text
        )
    if isinstance(event, e.ProcessExited):
        return "exited", m.ExitedEventBody(exitCode=event.exit_code)
    if isinstance(event, e.Output):
        return "output", m.OutputEventBody(output=event.text, category=event.stream)
    return None  # ChildDetached, ChildHeld, Exec, SyscallSeen: the session decides what to show (``follow``)


def describe_stop(stop: e.AllStopped) -> tuple[str, str]:
    """(the kind of catch, the sentence that names what happened) of a catchpoint's stop."""
    cause = stop.cause
    if isinstance(cause, e.NewThreadCaught):
        return "new thread", cause.describe()
    if isinstance(cause, e.SyscallCaught):
        return "syscall", cause.describe()
    if isinstance(cause, e.ForkCaught):
        return "fork", (
            f"{cause.describe()}; continue follows the parent (the child runs untraced), "
            f"'follow child' or 'follow both' in the debug console choose otherwise"
        )
    return stop.reason, stop.reason


def stop_description(stop: e.AllStopped) -> str | None:
    """The `stopped` event's description, which clients show on the stopped thread (None: the reason says it)."""
    if stop.cause is None:
        return None
    kind, details = describe_stop(stop)
    return f"Paused on {kind}: {details}"
