"""A lean DAP client for the benchmarks: the adapter as a subprocess on stdio.

Unlike tests/dap_client.py it validates nothing: a reader thread reads the
adapter's stdout in large chunks, stamps each chunk with CLOCK_MONOTONIC
(``time.monotonic_ns``, the clock the C programs use), splits it into frames
and keeps thread events compactly (tid and arrival time only), so that
100,000 thread lifetimes cost the client little memory or time. Every other
message is kept whole, with its arrival time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

Message = dict[str, Any]


class DapError(RuntimeError):
    pass


class Adapter:
    """``python -m dap_threads`` on stdio, and a client reading everything it says."""

    def __init__(
        self,
        *,
        python: str | None = None,
        pre_args: Iterable[str] = (),
        log_file: Path | None = None,
        env: dict[str, str] | None = None,
        argv: list[str] | None = None,
    ) -> None:
        """``argv``: another adapter to run instead (lldb-dap), spoken to the same way."""
        if argv is None:
            argv = [python or sys.executable, *pre_args, "-m", "dap_threads"]
            if log_file is not None:
                argv += ["--log-file", str(log_file), "--log-level", "info"]
        self.started_ns = time.monotonic_ns()
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=REPO,
            env=None if env is None else {**os.environ, **env},
        )
        self._out = self.proc.stdout.fileno()  # type: ignore[union-attr]
        self._seq = 0
        self._cond = threading.Condition()
        self.messages: list[tuple[int, Message]] = []  # (arrival ns, message), except thread events
        self.started: list[tuple[int, int]] = []  # (arrival ns, tid) of each `thread` started event
        self.exited_count = 0
        self.eof = False
        self._reader = threading.Thread(target=self._read_loop, name="dap-reader", daemon=True)
        self._reader.start()

    # ----- wire ---------------------------------------------------------------

    def _read_loop(self) -> None:
        buffer = b""
        loads = json.loads
        try:
            while True:
                chunk = os.read(self._out, 1 << 20)
                now = time.monotonic_ns()
                if not chunk:
                    break
                buffer += chunk
                started, others, exited = [], [], 0
                pos = 0
                while True:
                    end = buffer.find(b"\r\n\r\n", pos)
                    if end < 0:
                        break
                    length = int(buffer[buffer.index(b":", pos) + 1 : end])
                    if len(buffer) < end + 4 + length:
                        break
                    message = loads(buffer[end + 4 : end + 4 + length])
                    pos = end + 4 + length
                    if message.get("event") == "thread":
                        body = message["body"]
                        if body["reason"] == "started":
                            started.append((now, body["threadId"]))
                        else:
                            exited += 1
                    else:
                        others.append((now, message))
                buffer = buffer[pos:]
                with self._cond:
                    self.started += started
                    self.exited_count += exited
                    self.messages += others
                    self._cond.notify_all()
        except OSError:
            pass
        finally:
            with self._cond:
                self.eof = True
                self._cond.notify_all()

    def send(self, command: str, arguments: Any = None) -> int:
        self._seq += 1
        message: Message = {"seq": self._seq, "type": "request", "command": command}
        if arguments is not None:
            message["arguments"] = arguments
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))  # type: ignore[union-attr]
        self.proc.stdin.flush()  # type: ignore[union-attr]
        return self._seq

    # ----- waiting ------------------------------------------------------------

    def wait(self, predicate: Callable[[], Any], timeout: float, what: str) -> Any:
        """Wait until ``predicate()`` (called under the lock) is truthy; return its value."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no {what} within {timeout} s; last messages: {self.messages[-3:]}")
                if self.eof:
                    raise DapError(f"adapter closed its output while waiting for {what}")
                self._cond.wait(min(remaining, 0.5))

    def find(self, predicate: Callable[[Message], bool], start: int = 0) -> tuple[int, Message] | None:
        for arrival, message in self.messages[start:]:
            if predicate(message):
                return arrival, message
        return None

    def response(self, seq: int, timeout: float = 30) -> tuple[int, Message]:
        found = self.wait(
            lambda: self.find(lambda m: m.get("type") == "response" and m.get("request_seq") == seq),
            timeout,
            f"response to request {seq}",
        )
        return found

    def request(self, command: str, arguments: Any = None, timeout: float = 30) -> tuple[int, Message]:
        """Send and wait; returns (arrival ns, response). Raises DapError on failure."""
        arrival, response = self.response(self.send(command, arguments), timeout)
        if not response.get("success"):
            raise DapError(f"{command} failed: {response.get('message')}")
        return arrival, response

    def event(self, name: str, start: int = 0, timeout: float = 30) -> tuple[int, Message]:
        return self.wait(
            lambda: self.find(lambda m: m.get("type") == "event" and m.get("event") == name, start),
            timeout,
            f"{name!r} event",
        )

    def mark(self) -> int:
        """An index into ``messages``: look for events after this point."""
        with self._cond:
            return len(self.messages)

    # ----- sessions -----------------------------------------------------------

    def initialize(self) -> None:
        self.request("initialize", {"adapterID": "dap-threads", "clientID": "benchmarks"})
        self.event("initialized")

    def launch(self, program: str, args: Iterable[str], **extra: Any) -> None:
        self.request("launch", {"program": program, "args": [str(a) for a in args], **extra})
        self.request("configurationDone")

    def attach(self, pid: int) -> None:
        self.request("attach", {"pid": pid})
        self.request("configurationDone")

    def start_deferred(self, command: str, arguments: Any, timeout: float = 120) -> int:
        """lldb-dap's launch sequencing: it answers `launch`/`attach` only after
        `configurationDone`, which it expects after its `initialized` event.
        Returns the arrival time (ns) of the launch/attach response."""
        seq = self.send(command, arguments)
        self.event("initialized", timeout=timeout)
        self.request("configurationDone", timeout=timeout)
        arrival, response = self.response(seq, timeout)
        if not response.get("success"):
            raise DapError(f"{command} failed: {response.get('message')}")
        return arrival

    def close(self, timeout: float = 20) -> None:
        """Disconnect (detach from an attached program), close stdin, wait for the adapter to exit."""
        if self.proc.poll() is None and not self.eof:
            try:
                self.request("disconnect", {}, timeout=timeout)
            except (DapError, TimeoutError, OSError):
                pass
        try:
            self.proc.stdin.close()  # type: ignore[union-attr]
        except OSError:
            pass
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(5)
        self.proc.stdout.close()  # type: ignore[union-attr]

    def __enter__(self) -> Adapter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def lldb_dap() -> str | None:
    """LLVM's DAP adapter, under any of the names Debian and LLVM have given it."""
    import glob
    import shutil

    for name in ("lldb-dap", "lldb-vscode"):
        found = shutil.which(name)
        if found:
            return found
    versioned = sorted(glob.glob("/usr/bin/lldb-dap-[0-9]*") + glob.glob("/usr/bin/lldb-vscode-[0-9]*"))
    return versioned[-1] if versioned else None


def cpu_ns(pid: int) -> int:
    """CPU time used so far by every thread of ``pid`` (ns, from /proc/PID/task/*/schedstat)."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError):
            pass
    return total


def rss_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of ``pid``, in KiB, from /proc/PID/status."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0])
    return fields
