"""Helpers of the thread-pane tests: the program's output through DAP, thread names, a Thread scope as a dict."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from dap_client import DapClient
from procs import REPO


def stdout_text(dap: DapClient) -> str:
    return "".join(e["body"]["output"] for e in dap.events("output") if e["body"].get("category") == "stdout")


def wait_output(dap: DapClient, pattern: str, timeout: float = 30) -> re.Match[str]:
    """Wait for a line of the launched program's stdout (output events) matching ``pattern``."""
    regex = re.compile(pattern, re.MULTILINE)
    deadline = time.monotonic() + timeout
    while True:
        found = regex.search(stdout_text(dap))
        if found:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"no output line matching {pattern!r} within {timeout} s: {stdout_text(dap)[-500:]!r}")
        dap.check_schema()
        time.sleep(0.05)


def names(dap: DapClient) -> dict[int, str]:
    return {t["id"]: t["name"] for t in dap.ok("threads")["body"]["threads"]}


def wait_names(dap: DapClient, expected: dict[int, str], timeout: float = 20) -> dict[int, str]:
    """Ask `threads` until every tid's name matches its regular expression; the names then."""
    deadline = time.monotonic() + timeout
    while True:
        now = names(dap)
        if all(re.fullmatch(pattern, now.get(tid, "")) for tid, pattern in expected.items()):
            return now
        if time.monotonic() > deadline:
            wrong = {t: now.get(t) for t, pattern in expected.items() if not re.fullmatch(pattern, now.get(t, ""))}
            raise AssertionError(f"names not as expected within {timeout} s: {wrong} (want {expected})")
        time.sleep(0.25)


def thread_scope(dap: DapClient, tid: int) -> tuple[dict[str, str], dict[str, int]]:
    """The Thread scope of a paused thread's top frame: name -> value, and name -> variablesReference."""
    frames = dap.ok("stackTrace", {"threadId": tid})["body"]["stackFrames"]
    scopes = dap.ok("scopes", {"frameId": frames[0]["id"]})["body"]["scopes"]
    assert scopes[0]["name"] == "Thread", scopes
    variables = dap.ok("variables", {"variablesReference": scopes[0]["variablesReference"]})["body"]["variables"]
    return {v["name"]: v["value"] for v in variables}, {v["name"]: v["variablesReference"] for v in variables}


def children(dap: DapClient, reference: int) -> list[dict[str, Any]]:
    return list(dap.ok("variables", {"variablesReference": reference})["body"]["variables"])


def schedstat_seconds(pid: int, tid: int) -> float:
    """CPU time from /proc/TID/schedstat (nanoseconds: another kernel counter than stat's ticks)."""
    return int(Path(f"/proc/{pid}/task/{tid}/schedstat").read_text().split()[0]) / 1e9


def source_line(name: str, needle: str) -> int:
    """The line number of the first line of testdata/NAME holding ``needle``."""
    lines = (REPO / "testdata" / name).read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)
