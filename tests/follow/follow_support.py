"""Helpers of the follow suite: configuring catchpoints and follow modes the way editors do."""

from __future__ import annotations

from typing import Any

from dap_client import DapClient, Message
from procs import program, thread_states


def start(
    client: DapClient,
    name: str,
    args: list[Any] = (),  # type: ignore[assignment]
    *,
    new_thread: str | bool | None = False,
    syscall: str | bool | None = False,
    request: str = "launch",
    **arguments: Any,
) -> int:
    """launch (or attach), set the exception filters, configurationDone (the order VS Code uses); the pid.

    ``new_thread`` / ``syscall``: False leaves the filter off, None sets it without a condition,
    a string sets it with that condition.
    """
    if request == "launch":
        client.ok("launch", {"program": program(name), "args": [str(a) for a in args], **arguments})
    else:
        client.ok("attach", arguments)
    set_filters(client, new_thread=new_thread, syscall=syscall)
    client.ok("configurationDone")
    return client.events("process")[-1]["body"]["systemProcessId"]


def set_filters(
    client: DapClient, *, new_thread: str | bool | None = False, syscall: str | bool | None = False
) -> Message:
    filters, options = [], []
    for name, value in (("newThread", new_thread), ("syscall", syscall)):
        if value is None:
            filters.append(name)
        elif isinstance(value, str):
            options.append({"filterId": name, "condition": value})
    return client.ok("setExceptionBreakpoints", {"filters": filters, "filterOptions": options})


def next_stop(client: DapClient, mark: int, timeout: float = 20) -> Message:
    return client.wait_for(lambda m: m.get("event") == "stopped", start=mark, timeout=timeout, what="a stopped event")


def all_held(pid: int) -> dict[int, str]:
    """The states of pid's threads that are not held in a ptrace-stop (empty: all held)."""
    return {tid: state for tid, state in thread_states(pid).items() if state not in ("t", "Z", "X")}


def stdout_lines(client: DapClient) -> list[str]:
    text = "".join(m["body"]["output"] for m in client.events("output") if m["body"].get("category") == "stdout")
    return text.splitlines()


def continue_(client: DapClient, tid: int) -> int:
    """continue; returns the mark after which the next stop is to be looked for."""
    mark = len(client.received)
    client.ok("continue", {"threadId": tid})
    return mark


def initialize(client: DapClient, *, start_debugging: bool = True) -> None:
    """initialize as VS Code and nvim-dap do: they answer startDebugging."""
    client.ok(
        "initialize",
        {
            "adapterID": "dap-threads",
            "clientID": "pytest",
            "linesStartAt1": True,
            "columnsStartAt1": True,
            "supportsStartDebuggingRequest": start_debugging,
        },
    )
    client.wait_event("initialized")


def serve_child_session(parent: DapClient, request: Message) -> DapClient:
    """Start the child session a startDebugging request asks for, as a client does: a new connection
    to the adapter the configuration names (``debugServer``), initialize, attach, configurationDone."""
    from dap_client import tcp_client

    arguments = request["arguments"]
    assert arguments["request"] == "attach"
    configuration = dict(arguments["configuration"])
    child = tcp_client(configuration.pop("debugServer"))
    initialize(child)
    child.ok("attach", configuration)
    parent.respond(request)
    child.ok("configurationDone")
    return child
