"""DAP on pygls's JSON-RPC protocol class.

pygls gives us the Content-Length framing reader loop (``pygls.io_.run_async``)
and the protocol object it feeds. DAP is not JSON-RPC: its messages carry
``seq``/``type``/``command`` instead of ``jsonrpc``/``id``/``method``, so
this subclass replaces the three places where pygls interprets messages:
``structure_message`` (keep plain dicts), ``handle_message`` (dispatch on
``type``) and ``_send_data`` (DAP framing). Those are pygls internals, which
is why pyproject.toml pins pygls to one minor version.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Callable

from .pygls_import import import_pygls

import_pygls()  # before the first pygls import: keeps start-up fast

from pygls.protocol import JsonRPCProtocol  # noqa: E402

from .converter import converter as dap_converter  # noqa: E402
from .messages import ErrorMessage  # noqa: E402


log = logging.getLogger(__name__)


class FrameWriter:
    """Collects outgoing frames and writes them once per loop iteration.

    Batching turns a burst of thread events into one write system call (each
    write also wakes the client, which competes with the traced program for
    the CPU), and the asyncio transport never blocks the loop (which is also
    the ptrace owner) on a slow client. A timer would batch more, but epoll
    rounds timeouts up to whole milliseconds: it cost a millisecond of event
    latency at the median, so frames go out at the end of the iteration that
    produced them (or at once past 64 KiB).
    """

    LARGE_BATCH = 64 * 1024

    def __init__(self, transport: asyncio.WriteTransport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._scheduled = False

    def write(self, frame: bytes) -> None:
        self._pending.append(frame)
        self._pending_size += len(frame)
        if self._pending_size >= self.LARGE_BATCH:
            self.flush()
        elif not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self._flush_scheduled)

    def _flush_scheduled(self) -> None:
        self._scheduled = False
        self.flush()

    def flush(self) -> None:
        if self._pending and not self._transport.is_closing():
            self._transport.write(b"".join(self._pending))
        self._pending.clear()
        self._pending_size = 0

    def close(self) -> None:
        self.flush()
        if not self._transport.is_closing():
            self._transport.close()


class DAPProtocol(JsonRPCProtocol):
    """Reads DAP requests, writes responses and events with increasing ``seq``."""

    def __init__(self, server: Any, converter: Any) -> None:
        super().__init__(server, converter)
        self._seq = 0
        self.on_request: Callable[[dict[str, Any]], None] = lambda message: None
        self.on_message_sent: Callable[[dict[str, Any]], None] | None = None

    # ----- incoming -------------------------------------------------------

    def structure_message(self, data: dict[str, Any]) -> dict[str, Any]:
        # json.loads calls this for every nested object too: keep them all plain.
        return data

    def handle_message(self, message: Any) -> None:
        if log.isEnabledFor(logging.DEBUG):
            log.debug("<-- %.2000s", json.dumps(message))
        if not isinstance(message, dict):
            log.error("ignored a DAP frame whose body is a JSON %s, not an object", type(message).__name__)
            return
        kind = message.get("type")
        if kind == "request":
            self.on_request(message)
        elif kind == "response":
            log.debug("ignored a response (this adapter sends no reverse requests): %.200s", message)
        else:
            # Without type: request we cannot tell what was meant, but a seq
            # and a command are enough to answer it, so the client is not left waiting.
            if "command" in message:
                self.on_request(message)
            else:
                log.error("ignored a DAP message with type %r (expected 'request'): %.200s", kind, message)

    # ----- outgoing -------------------------------------------------------

    def send_event(self, event: str, body: Any = None) -> None:
        message: dict[str, Any] = {"type": "event", "event": event}
        if body is not None:
            message["body"] = _plain(body)
        self._send_data(message)

    def send_response(self, request_seq: int, command: str, body: Any = None) -> None:
        message: dict[str, Any] = {"type": "response", "request_seq": request_seq, "success": True, "command": command}
        if body is not None:
            message["body"] = _plain(body)
        self._send_data(message)

    def send_error(self, request_seq: int, command: str, text: str, *, show_user: bool = True) -> None:
        # The spec's ErrorResponse requires a body; its error.format is what
        # VS Code shows, and `message` is the short form other clients show.
        self._send_data(
            {
                "type": "response",
                "request_seq": request_seq,
                "success": False,
                "command": command,
                "message": text,
                "body": {"error": _plain(ErrorMessage(id=1, format=text, showUser=show_user))},
            }
        )

    def _send_data(self, data: Any) -> None:
        if self.writer is None:
            log.error("no transport to send %.200s", data)
            return
        self._seq += 1
        message = {"seq": self._seq, **data}
        body = json.dumps(message, separators=(",", ":")).encode("utf-8")
        if log.isEnabledFor(logging.DEBUG):
            log.debug("--> %.2000s", body)
        self.writer.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        if self.on_message_sent is not None:
            self.on_message_sent(message)


def _plain(body: Any) -> Any:
    if hasattr(body, "__attrs_attrs__"):
        return dap_converter.unstructure(body)
    return body
