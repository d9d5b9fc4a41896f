"""DAP messages in and out of one connection: requests to the dispatcher, responses and events with ``seq``.

Frames arrive through pygls's reader loop (see ``pygls_bridge``, the only
module that knows pygls); frames leave through :class:`FrameWriter`. The
client's responses to our own (reverse) requests go to ``reverse``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

from .converter import converter as dap_converter
from .messages import ErrorMessage
from .pygls_bridge import FramedTransport
from .reverse import ReverseRequests

log = logging.getLogger(__name__)


class FrameWriter:
    """Collects outgoing frames and writes them once per loop iteration, or once per batch.

    Batching turns a burst of thread events into one write system call (each
    write also wakes the client, which competes with the traced program for
    the CPU), and the asyncio transport never blocks the loop (which is also
    the ptrace owner) on a slow client. A timer would batch more, but epoll
    rounds timeouts up to whole milliseconds: it cost a millisecond of event
    latency at the median, so frames go out at the end of the iteration that
    produced them (or at once past 64 KiB).

    Inside ``with writer.batch():`` frames are held until the block ends and
    then written at once: the messages of one waitpid drain go out in the
    drain's own loop iteration, not one iteration (an epoll_wait and a
    callback) later.
    """

    LARGE_BATCH = 64 * 1024

    def __init__(self, transport: asyncio.WriteTransport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._scheduled = False
        self._batch = _Batch(self)
        self._batch_depth = 0

    def write(self, frame: bytes) -> None:
        self._pending.append(frame)
        self._pending_size += len(frame)
        if self._pending_size >= self.LARGE_BATCH:
            self.flush()
        elif not self._scheduled and not self._batch_depth:
            self._scheduled = True
            self._loop.call_soon(self._flush_scheduled)

    def batch(self) -> _Batch:
        """A context in which frames wait for its end, then go out in one write."""
        return self._batch

    def _flush_scheduled(self) -> None:
        self._scheduled = False
        self.flush()

    def flush(self) -> None:
        if self._pending and not self._transport.is_closing():
            self._transport.write(b"".join(self._pending) if len(self._pending) > 1 else self._pending[0])
        self._pending.clear()
        self._pending_size = 0

    def close(self) -> None:
        self.flush()
        if not self._transport.is_closing():
            self._transport.close()


class _Batch:
    """``FrameWriter.batch()``: a plain class, cheaper than a generator-based context manager."""

    __slots__ = ("_writer",)

    def __init__(self, writer: FrameWriter) -> None:
        self._writer = writer

    def __enter__(self) -> None:
        self._writer._batch_depth += 1

    def __exit__(self, *exc: object) -> None:
        writer = self._writer
        writer._batch_depth -= 1
        if not writer._batch_depth:
            writer.flush()


#: The `thread` event (DAP "Thread Event"), byte for byte what ``_send_data``
#: would encode (json.dumps, compact separators, these keys in this order),
#: with seq and threadId filled in: two of these go out per thread lifetime,
#: and the generic path (attrs body, converter, dict, json.dumps) costs
#: several times more. tests/unit/test_thread_event_template.py holds the two
#: paths to the same bytes; the test client validates every one against the schema.
_THREAD_EVENT = {
    reason: b'{"seq":%d,"type":"event","event":"thread","body":{"reason":"' + reason.encode() + b'","threadId":%d}}'
    for reason in ("started", "exited")
}


class DAPProtocol(FramedTransport):
    """Reads DAP requests, writes responses and events with increasing ``seq``; sends reverse requests."""

    def __init__(self, server: Any, converter: Any) -> None:
        super().__init__(server, converter)
        self._seq = 0
        self._frames: FrameWriter | None = None
        self.on_request: Callable[[dict[str, Any]], None] = lambda message: None
        self.on_message_sent: Callable[[dict[str, Any]], None] | None = None
        #: requests we send to the client (runInTerminal, startDebugging) and their answers
        self.reverse = ReverseRequests(self.send_reverse_request)

    def attach_writer(self, frames: FrameWriter) -> None:
        self._frames = frames

    def batch(self) -> contextlib.AbstractContextManager[None]:
        """Messages sent inside ``with protocol.batch():`` go out in one write at its end."""
        if self._frames is None:
            return contextlib.nullcontext()
        return self._frames.batch()

    def flush(self) -> None:
        """Write what is queued now, not at the end of this loop iteration: for progress events sent
        from work that does not yield to the loop until it is done."""
        if self._frames is not None:
            self._frames.flush()

    # ----- incoming -------------------------------------------------------

    def receive(self, message: Any) -> None:
        if log.isEnabledFor(logging.DEBUG):
            log.debug("<-- %.2000s", json.dumps(redacted(message)))
        if not isinstance(message, dict):
            log.error("ignored a DAP frame whose body is a JSON %s, not an object", type(message).__name__)
            return
        kind = message.get("type")
        if kind == "request":
            self.on_request(message)
        elif kind == "response":
            if not self.reverse.on_response(message):
                log.warning("ignored a response to no request of ours in flight: %.200s", message)
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

    def send_thread_event(self, reason: str, thread_id: int) -> None:
        """A `thread` event with ``reason`` "started" or "exited", encoded from its template."""
        frames = self._frames
        if frames is None:
            log.error("no transport to send a thread event for %d", thread_id)
            return
        self._seq += 1
        body = _THREAD_EVENT[reason] % (self._seq, thread_id)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("--> %s", body)
        frames.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        if self.on_message_sent is not None:
            self.on_message_sent(json.loads(body))

    def send_reverse_request(self, command: str, arguments: Any = None) -> int:
        """Send a (reverse) request to the client; returns its seq. ``reverse.request`` awaits the answer."""
        message: dict[str, Any] = {"type": "request", "command": command}
        if arguments is not None:
            message["arguments"] = _plain(arguments)
        return self._send_data(message)

    def send_response(self, request_seq: int, command: str, body: Any = None) -> None:
        message: dict[str, Any] = {"type": "response", "request_seq": request_seq, "success": True, "command": command}
        if body is not None:
            message["body"] = _plain(body)
        self._send_data(message)

    def send_error(
        self,
        request_seq: int,
        command: str,
        text: str,
        *,
        show_user: bool = True,
        error_id: int = 1,
        variables: dict[str, str] | None = None,
    ) -> None:
        # The spec's ErrorResponse requires a body; its error.format is what
        # VS Code shows, and `message` is the short form other clients show.
        # VS Code fills {name} in the format from variables; our texts name none, so it shows them as they are.
        error = ErrorMessage(id=error_id, format=text, showUser=show_user, variables=variables)
        self._send_data(
            {
                "type": "response",
                "request_seq": request_seq,
                "success": False,
                "command": command,
                "message": text,
                "body": {"error": _plain(error)},
            }
        )

    def _send_data(self, data: Any) -> int:
        self._seq += 1
        if self._frames is None:
            log.error("no transport to send %.200s", data)
            return self._seq
        message = {"seq": self._seq, **data}
        body = json.dumps(message, separators=(",", ":")).encode("utf-8")
        if log.isEnabledFor(logging.DEBUG):
            log.debug("--> %.2000s", json.dumps(redacted_reverse(message)) if data.get("type") == "request" else body)
        self._frames.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        if self.on_message_sent is not None:
            self.on_message_sent(message)
        return self._seq


def redacted(message: Any) -> Any:
    """``message`` fit for a log: the adapter's token must not land in a file others may read."""
    arguments = message.get("arguments") if isinstance(message, dict) else None
    if isinstance(arguments, dict) and "token" in arguments:
        return {**message, "arguments": {**arguments, "token": "(hidden)"}}
    return message


def redacted_reverse(message: dict[str, Any]) -> dict[str, Any]:
    """A ``startDebugging`` we send, fit for a log: its configuration may carry the client's token."""
    arguments = message.get("arguments")
    configuration = arguments.get("configuration") if isinstance(arguments, dict) else None
    if isinstance(configuration, dict) and "token" in configuration:
        hidden = {**configuration, "token": "(hidden)"}
        return {**message, "arguments": {**arguments, "configuration": hidden}}  # type: ignore[dict-item]
    return message


def _plain(body: Any) -> Any:
    if hasattr(body, "__attrs_attrs__"):
        return dap_converter.unstructure(body)
    return body
