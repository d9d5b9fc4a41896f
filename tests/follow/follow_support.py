"""Helpers of the follow suite: configuring catchpoints and follow modes the way editors do."""

from __future__ import annotations

import threading
import time
from typing import Any

from dap_client import DapClient, Message, ReverseRefusal
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


def serve_child_session(request: Message) -> DapClient:
    """Start the child session a startDebugging request asks for, as a client does: a new connection
    to the adapter the configuration names (``debugServer``), initialize, attach, configurationDone."""
    from dap_client import tcp_client

    arguments = request["arguments"]
    assert arguments["request"] == "attach"
    configuration = dict(arguments["configuration"])
    child = tcp_client(configuration.pop("debugServer"))
    initialize(child)
    child.ok("attach", configuration)
    child.ok("configurationDone")
    return child


class ChildSessions:
    """The client's side of followFork "both": answers each ``startDebugging`` the adapter sends
    ``parent``, on the test client's reverse-request thread (``DapClient.reverse_handlers``).

    The first ``serve`` requests on the wire (all, when None) get their child session (``serve_child_session``),
    once ``go`` is set when given (the test looks at the request first); later ones are refused
    with ``refusal``. What went wrong in a handler is kept in ``errors`` for the test to check.
    """

    def __init__(
        self,
        parent: DapClient,
        *,
        serve: int | None = None,
        refusal: str = "no thanks",
        go: threading.Event | None = None,
    ) -> None:
        self.requests: list[Message] = []
        self.children: list[DapClient] = []
        self.errors: list[BaseException] = []
        self._serve = serve
        self._refusal = refusal
        self._go = go
        self._lock = threading.Lock()
        self._parent = parent
        parent.reverse_handlers["startDebugging"] = self._answer

    def _answer(self, request: Message) -> None:
        with self._lock:
            self.requests.append(request)
        # Its place on the wire (the handlers run on threads of their own, in no set order).
        turn = [r["seq"] for r in self._parent.reverse_requests("startDebugging")].index(request["seq"])
        if self._serve is not None and turn >= self._serve:
            raise ReverseRefusal(self._refusal)
        try:
            if self._go is not None:
                assert self._go.wait(30), "the test never let the child session start"
            child = serve_child_session(request)
        except Exception as exc:
            self.errors.append(exc)
            raise ReverseRefusal(f"the child session failed: {exc}") from None
        with self._lock:
            self.children.append(child)
        return None

    def wait_for(self, count: int, timeout: float = 60) -> list[DapClient]:
        """The first ``count`` child sessions, once started (fewer if they do not come in time)."""
        deadline = time.monotonic() + timeout
        while len(self.children) < count and not self.errors and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not self.errors, self.errors
        with self._lock:
            return list(self.children)
