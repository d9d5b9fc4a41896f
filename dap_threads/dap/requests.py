"""The request registry: ``@request`` binds a DAP command to its handler.

As in GDB's DAP server, the decorator also declares the capabilities the
handler implements, so the ``initialize`` response advertises exactly what
is registered (DAP spec, "Capabilities") and nothing else. It also says
whether the request acts on a process: those are served only to a connection
the session's access check admits (a new handler is checked unless it says
otherwise).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import attrs

Handler = Callable[..., Awaitable[Any]]


class RequestError(Exception):
    """Answer the request with ``success: false`` and this message (for a person to read).

    ``error_id`` and ``variables`` go into the response's ``body.error`` (the spec's
    Message): an editor that knows the id can offer a way out (see ``ErrorIds``).
    """

    def __init__(
        self,
        message: str,
        *,
        show_user: bool = True,
        error_id: int = 1,
        variables: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.show_user = show_user
        self.error_id = error_id
        self.variables = variables


class ErrorIds:
    """``body.error.id`` of error responses an editor may act on (1: any other error)."""

    #: the kernel refused to let us trace the process; variables: pid, cause ("user", "ptrace_scope",
    #: "capability"), scope (Yama's ptrace_scope, "" without Yama), user (the adapter's user name),
    #: rootCommand (the command that runs this adapter as root for that user)
    PTRACE_PERMISSION = 2001


@attrs.frozen
class RequestSpec:
    command: str
    handler: Handler
    arguments: type
    #: capability name -> value (True, or the value itself: exceptionBreakpointFilters is a list)
    capabilities: Mapping[str, Any]
    #: False for the few requests allowed before ``initialize`` (none but initialize itself)
    needs_initialize: bool
    #: False for the few that touch no process (initialize, configurationDone, disconnect):
    #: they are answered before, or without, the connection's access check
    acts_on_process: bool


_registry: dict[str, RequestSpec] = {}


def request(
    command: str,
    arguments: type,
    *,
    capabilities: tuple[str, ...] | Mapping[str, Any] = (),
    needs_initialize: bool = True,
    acts_on_process: bool = True,
) -> Callable[[Handler], Handler]:
    """Register ``handler(session, args)`` for ``command``; it returns the response body or None."""

    def register(handler: Handler) -> Handler:
        if command in _registry:
            raise ValueError(f"two handlers for DAP request {command!r}")
        declared = dict(capabilities) if isinstance(capabilities, Mapping) else dict.fromkeys(capabilities, True)
        _registry[command] = RequestSpec(command, handler, arguments, declared, needs_initialize, acts_on_process)
        return handler

    return register


def lookup(command: str) -> RequestSpec | None:
    return _registry.get(command)


def capabilities() -> dict[str, Any]:
    return {name: value for spec in _registry.values() for name, value in spec.capabilities.items()}


def commands() -> list[str]:
    return sorted(_registry)
