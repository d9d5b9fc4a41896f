"""From a request dict to a response: validation, the handler, the answer.

Requests are handled one at a time, in arrival order, so that a client's
``pause`` then ``continue`` happen in that order. Handlers never wait for the
program (pause answers at once and the ``stopped`` event follows), so one
request cannot hold up the others for long.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from .converter import converter, describe_structure_error
from .protocol import DAPProtocol, redacted
from .requests import RequestError, RequestSpec, commands, lookup

log = logging.getLogger(__name__)

_INT32_MAX = 2**31 - 1


class RequestContext(Protocol):
    """What the dispatcher needs from the session that handles requests."""

    initialized: bool

    def admit(self, arguments: Any) -> None:
        """Raise RequestError unless this connection may act on processes (see requests.RequestSpec)."""

    def response_sent(self) -> None: ...


class Dispatcher:
    def __init__(self, protocol: DAPProtocol, context: RequestContext) -> None:
        self._protocol = protocol
        self._context = context
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._worker = asyncio.get_running_loop().create_task(self._work())
        protocol.on_request = self._queue.put_nowait

    async def _work(self) -> None:
        while True:
            message = await self._queue.get()
            try:
                await self.handle(message)
            except Exception:
                log.exception("failed to answer %.200s", redacted(message))

    def close(self) -> None:
        self._worker.cancel()

    async def handle(self, message: dict[str, Any]) -> None:
        seq = message.get("seq")
        command = message.get("command")
        if type(seq) is not int or not 1 <= seq <= _INT32_MAX:
            # A response must carry request_seq, an int32 >= 1 (DAP schema):
            # no valid answer exists, so say it where the user can read it.
            text = f"ignored a {command!r} request whose 'seq' is {seq!r}: it must be an integer from 1 to {_INT32_MAX}"
            log.error(text)
            self._protocol.send_event("output", {"category": "important", "output": f"dap-threads: {text}\n"})
            return
        request_seq = seq
        if not isinstance(command, str) or not command:
            self._error(request_seq, str(command or ""), "the request has no 'command' (a string naming the request)")
            return
        spec = lookup(command)
        if spec is None:
            self._error(
                request_seq,
                command,
                f"unknown request {command!r}; dap-threads handles: {', '.join(commands())}",
            )
            return
        if spec.needs_initialize and not self._context.initialized:
            self._error(request_seq, command, f"{command!r} before 'initialize': send the 'initialize' request first")
            return
        arguments = self._arguments(request_seq, spec, message.get("arguments"))
        if arguments is None:
            return
        try:
            if spec.acts_on_process:
                self._context.admit(arguments)
            body = await spec.handler(self._context, arguments)
        except RequestError as exc:
            self._error(
                request_seq,
                command,
                exc.message,
                show_user=exc.show_user,
                error_id=exc.error_id,
                variables=exc.variables,
            )
            self._context.response_sent()
            return
        except Exception as exc:
            log.exception("%s request failed", command)
            self._error(request_seq, command, f"internal error in dap-threads while handling {command!r}: {exc!r}")
            self._context.response_sent()
            return
        self._protocol.send_response(request_seq, command, body)
        self._context.response_sent()

    def _arguments(self, request_seq: int, spec: RequestSpec, raw: Any) -> Any | None:
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            self._error(
                request_seq,
                spec.command,
                f"{spec.command}: 'arguments' must be a JSON object, not {type(raw).__name__}",
            )
            return None
        try:
            return converter.structure(raw, spec.arguments)
        except Exception as exc:
            self._error(request_seq, spec.command, f"{spec.command}: bad arguments: {describe_structure_error(exc)}")
            return None

    def _error(
        self,
        request_seq: int,
        command: str,
        text: str,
        *,
        show_user: bool = True,
        error_id: int = 1,
        variables: dict[str, str] | None = None,
    ) -> None:
        log.info("error response to %s: %s", command or "?", text)
        self._protocol.send_error(
            request_seq, command, text, show_user=show_user, error_id=error_id, variables=variables
        )
