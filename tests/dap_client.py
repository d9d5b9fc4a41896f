"""A small DAP client for the tests: drives the real adapter as a subprocess (or over TCP).

Every message the adapter sends is checked against the official schema
(``dap_schema``); a violation fails the request or wait that received it,
naming the message and the schema path.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from dap_schema import violations

REPO = Path(__file__).resolve().parents[1]

Message = dict[str, Any]


class SchemaViolation(AssertionError):
    pass


class DapError(AssertionError):
    pass


class ReverseRefusal(Exception):
    """Raised by a reverse-request handler: the client answers ``success: false`` with this message."""


class DapClient:
    """Speaks DAP to one adapter connection; records everything it receives."""

    def __init__(self, reader: Any, writer: Callable[[bytes], None], closer: Callable[[], None]) -> None:
        self._reader = reader
        self._write = writer
        self._close = closer
        self._seq = 0
        self._lock = threading.Lock()
        self.received: list[Message] = []  # every message, in wire order
        self._new = threading.Condition()
        self.violations: list[str] = []
        self.eof = threading.Event()
        #: what stopped the reader thread, if not the end of the connection: every wait re-raises it
        self.reader_error: BaseException | None = None
        self._closed = False
        #: how this client answers the adapter's reverse requests (runInTerminal, ...), by command: a function
        #: of the request returning the response body, or raising ReverseRefusal to answer success: false.
        #: A command without one is refused, as a client without that capability would.
        self.reverse_handlers: dict[str, Callable[[Message], Any]] = {}
        self._thread = threading.Thread(target=self._read_loop, daemon=True)
        self._thread.start()

    # ----- wire ---------------------------------------------------------------

    def _read_loop(self) -> None:
        try:
            while True:
                length = None
                while True:
                    line = self._reader.readline()
                    if not line:
                        return
                    if line in (b"\r\n", b"\n"):
                        break
                    name, _, value = line.decode().partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                if length is None:
                    self.violations.append("a frame without Content-Length")
                    continue
                body = self._reader.read(length)
                if len(body) < length:
                    return  # the adapter ended mid-frame: that is the end of the connection, not our error
                message = json.loads(body)
                problems = violations(message)
                if problems:
                    self.violations.append(f"{json.dumps(message)[:300]}: {problems}")
                with self._new:
                    self.received.append(message)
                    self._new.notify_all()
                if message.get("type") == "request":
                    # answered on another thread: a handler may take its time, the reader may not
                    threading.Thread(target=self._answer, args=(message,), daemon=True).start()
        except Exception as exc:
            # Not the end of the connection (that is an empty read above): a bug here, or a schema
            # file that cannot be read. The waiting test must fail with this, not with "closed".
            if not self._closed:  # reading a connection we closed ourselves may fail; that is no error
                self.reader_error = exc
        finally:
            self.eof.set()
            with self._new:
                self._new.notify_all()

    def _answer(self, request: Message) -> None:
        command = request.get("command", "")
        handler = self.reverse_handlers.get(command)
        response: Message = {"type": "response", "request_seq": request.get("seq"), "command": command}
        try:
            if handler is None:
                raise ReverseRefusal(f"the test client does not handle {command!r}")
            body = handler(request)
            response.update(success=True, **({"body": body} if body is not None else {}))
        except ReverseRefusal as exc:
            response.update(success=False, message=str(exc))
        try:
            self.send(response)
        except (OSError, ValueError):
            pass  # the connection is gone: nobody waits for the answer

    def send(self, message: Message) -> int:
        with self._lock:
            if "seq" not in message:
                self._seq += 1
                message = {"seq": self._seq, **message}
            self.send_raw(json.dumps(message).encode())
            return message["seq"]

    def send_raw(self, body: bytes, header: bytes | None = None) -> None:
        frame = (header if header is not None else b"Content-Length: %d\r\n\r\n" % len(body)) + body
        self._write(frame)

    # ----- requests and events ------------------------------------------------

    def request_async(self, command: str, arguments: Any = None, **extra: Any) -> int:
        message: Message = {"type": "request", "command": command, **extra}
        if arguments is not None:
            message["arguments"] = arguments
        return self.send(message)

    def response(self, seq: int, timeout: float = 15) -> Message:
        return self.wait_for(
            lambda m: m.get("type") == "response" and m.get("request_seq") == seq, timeout, f"response to request {seq}"
        )

    def request(self, command: str, arguments: Any = None, timeout: float = 15, **extra: Any) -> Message:
        return self.response(self.request_async(command, arguments, **extra), timeout)

    def ok(self, command: str, arguments: Any = None, timeout: float = 15) -> Message:
        response = self.request(command, arguments, timeout)
        if not response["success"]:
            raise DapError(f"{command} failed: {response.get('message')}")
        return response

    def wait_for(
        self, predicate: Callable[[Message], bool], timeout: float = 15, what: str = "message", start: int = 0
    ) -> Message:
        deadline = time.monotonic() + timeout
        index = start
        with self._new:
            while True:
                self.check_schema()
                self.check_reader()
                while index < len(self.received):
                    message = self.received[index]
                    index += 1
                    if predicate(message):
                        return message
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no {what} within {timeout} s; last messages: {self.received[-5:]}")
                if self.eof.is_set():
                    raise DapError(f"adapter closed the connection while waiting for {what}")
                self._new.wait(min(remaining, 0.2))

    def wait_event(self, event: str, timeout: float = 15, start: int = 0, **body: Any) -> Message:
        def match(m: Message) -> bool:
            return (
                m.get("type") == "event"
                and m.get("event") == event
                and all(m.get("body", {}).get(k) == v for k, v in body.items())
            )

        return self.wait_for(match, timeout, f"{event!r} event {body or ''}", start)

    def events(self, event: str | None = None) -> list[Message]:
        with self._new:
            return [m for m in self.received if m.get("type") == "event" and (event is None or m["event"] == event)]

    def thread_events(self, reason: str) -> list[int]:
        return [m["body"]["threadId"] for m in self.events("thread") if m["body"]["reason"] == reason]

    def reverse_requests(self, command: str | None = None) -> list[Message]:
        """Requests the adapter sent us (``runInTerminal``, ``startDebugging``), in wire order; ``reverse_handlers``
        answers them."""
        with self._new:
            return [m for m in self.received if m.get("type") == "request" and command in (None, m.get("command"))]

    def check_reader(self) -> None:
        error = self.reader_error
        if error is not None:
            raise DapError(f"the test client's reader thread failed: {type(error).__name__}: {error}") from error

    def check_schema(self) -> None:
        if self.violations:
            raise SchemaViolation("adapter sent schema-invalid messages:\n" + "\n".join(self.violations))

    # ----- conveniences ---------------------------------------------------------

    def initialize(self, **capabilities: Any) -> Message:
        """``initialize``, then its `initialized` event; ``capabilities``: what the client declares (supports...)."""
        response = self.ok(
            "initialize",
            {
                "adapterID": "dap-threads",
                "clientID": "pytest",
                "linesStartAt1": True,
                "columnsStartAt1": True,
                **capabilities,
            },
        )
        self.wait_event("initialized")
        return response

    def attach(self, pid: int, **arguments: Any) -> Message:
        response = self.ok("attach", {"pid": pid, **arguments})
        self.ok("configurationDone")
        return response

    def launch(self, program: str, args: Iterable[str] = (), **arguments: Any) -> Message:
        response = self.ok("launch", {"program": program, "args": list(args), **arguments})
        self.ok("configurationDone")
        return response

    def close(self) -> None:
        self._closed = True
        self._close()


class AdapterProcess:
    """The adapter as editors run it: a subprocess speaking DAP on stdin/stdout."""

    def __init__(self, log_dir: Path, extra_args: Iterable[str] = (), prefix: Iterable[str] = ()) -> None:
        """``prefix``: a command that runs the adapter (``unshare ...``, ``prlimit ...``), given its argv last."""
        self.log_file = log_dir / f"adapter-{time.monotonic_ns()}.log"
        self.stderr_file = open(log_dir / f"adapter-{time.monotonic_ns()}.stderr", "wb")
        self.proc = subprocess.Popen(
            [
                *prefix,
                sys.executable,
                "-m",
                "dap_threads",
                "--log-file",
                str(self.log_file),
                "--log-level",
                "debug",
                *extra_args,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr_file,
            cwd=REPO,
        )
        assert self.proc.stdin and self.proc.stdout

        def write(data: bytes) -> None:
            self.proc.stdin.write(data)  # type: ignore[union-attr]
            self.proc.stdin.flush()  # type: ignore[union-attr]

        self.client = DapClient(self.proc.stdout, write, self._close_stdin)

    def _close_stdin(self) -> None:
        try:
            self.proc.stdin.close()  # type: ignore[union-attr]
        except OSError:
            pass

    def stop(self, timeout: float = 10) -> int:
        self._close_stdin()
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise
        finally:
            self.stderr_file.close()


def tcp_client(port: int, host: str = "127.0.0.1") -> DapClient:
    return socket_client(socket.create_connection((host, port), timeout=10))


def socket_client(sock: socket.socket) -> DapClient:
    """A client on a connected socket (TCP or Unix)."""
    sock.settimeout(None)
    reader = sock.makefile("rb")

    def close() -> None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()

    return DapClient(reader, sock.sendall, close)
