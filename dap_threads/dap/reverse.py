"""Requests the adapter sends to the client, and the answers it awaits (DAP "Reverse Requests").

``runInTerminal`` and ``startDebugging`` go the other way round: the adapter
sends a request with its own ``seq``, and the client's response names that
seq in ``request_seq``. :class:`ReverseRequests` numbers nothing itself (the
protocol's one counter numbers every message we send, requests included); it
keeps one future per request in flight and resolves it when the response
with that ``request_seq`` arrives.

The waiting coroutine is a request handler (``launch`` awaits its terminal).
Responses come in on the reader, not through the dispatcher's queue, so a
handler that awaits one does not block its own answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class ReverseRequestError(Exception):
    """The client refused a reverse request, did not answer it in time, or went away; the message says which."""


class ReverseRequests:
    """Reverse requests in flight on one connection."""

    def __init__(self, send: Callable[[str, Any], int]) -> None:
        #: sends ``{"type": "request", "command": ..., "arguments": ...}`` and returns the seq it was given
        self._send = send
        self._waiting: dict[int, tuple[str, asyncio.Future[Any]]] = {}
        self._closed: str | None = None

    async def request(self, command: str, arguments: Any, *, timeout: float) -> Any:
        """Send ``command`` to the client and return the body of its successful response (None without one).

        Raises ReverseRequestError when the response says ``success: false``, none
        comes within ``timeout`` seconds, or the connection ends first.
        """
        if self._closed is not None:
            raise ReverseRequestError(f"cannot send {command!r} to the client: {self._closed}")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        seq = self._send(command, arguments)
        self._waiting[seq] = (command, future)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise ReverseRequestError(
                f"the client did not answer the {command!r} request within {timeout:g} s"
            ) from None
        finally:
            self._waiting.pop(seq, None)

    def on_response(self, message: dict[str, Any]) -> bool:
        """A response from the client: resolve the request it answers. False when nothing waits for it."""
        request_seq = message.get("request_seq")
        entry = self._waiting.get(request_seq) if type(request_seq) is int else None
        if entry is None:
            return False
        command, future = entry
        if future.done():
            return True
        if message.get("success") is True:
            future.set_result(message.get("body"))
        else:
            reason = message.get("message") or _error_format(message.get("body")) or "no reason given"
            future.set_exception(ReverseRequestError(f"the client refused the {command!r} request: {reason}"))
        return True

    def close(self, reason: str = "the client disconnected") -> None:
        """The connection ended: every request still waiting fails with ``reason``."""
        self._closed = reason
        for command, future in list(self._waiting.values()):
            if not future.done():
                future.set_exception(ReverseRequestError(f"no answer to the {command!r} request: {reason}"))


def _error_format(body: Any) -> str | None:
    error = body.get("error") if isinstance(body, dict) else None
    text = error.get("format") if isinstance(error, dict) else None
    return text if isinstance(text, str) else None
