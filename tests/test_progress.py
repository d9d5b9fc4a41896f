"""Progress for long work: progressStart/Update/End while attaching to more than 1,000 threads (for clients that
declared supportsProgressReporting), and the same on a terminal from `dap-threads watch`."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest
from dap_client import DapClient
from procs import REPO, Programs

THREADS = 1500


@pytest.fixture
def many_threads(programs: Programs) -> Iterator[subprocess.Popen[str]]:
    yield programs.start("spin", THREADS, -1, wait_line=f"spin: ready {THREADS}")


@pytest.fixture
def dap_raw(adapter) -> DapClient:
    """The adapter's client before initialize (each test declares its own capabilities)."""
    return adapter.client


def initialize(dap: DapClient, *, progress: bool) -> None:
    dap.ok("initialize", {"adapterID": "dap-threads", "clientID": "pytest", "supportsProgressReporting": progress})
    dap.wait_event("initialized")


def progress_events(dap: DapClient) -> list[dict]:
    return [m for m in dap.events() if m["event"].startswith("progress")]


def test_attaching_to_1500_threads_reports_progress_start_updates_and_end_before_the_response(dap_raw, many_threads):
    dap = dap_raw
    initialize(dap, progress=True)
    seq = dap.request_async("attach", {"pid": many_threads.pid})
    response = dap.response(seq, timeout=60)
    assert response["success"], response
    dap.ok("configurationDone")
    events = progress_events(dap)
    kinds = [m["event"] for m in events]
    assert kinds[0] == "progressStart" and kinds[-1] == "progressEnd", kinds
    assert set(kinds[1:-1]) <= {"progressUpdate"}
    assert len({m["body"]["progressId"] for m in events}) == 1, "one piece of work, one id"
    start, end = events[0]["body"], events[-1]["body"]
    assert start["title"] == f"Attaching to process {many_threads.pid}"
    assert start["message"] == f"{THREADS + 1} threads" and start["cancellable"] is False
    assert end["message"] == f"{THREADS + 1} threads"
    percentages = [m["body"]["percentage"] for m in events[:-1]]
    assert percentages == sorted(percentages) and all(0 <= p <= 100 for p in percentages)
    # the work is reported while it happens: every progress event comes before the attach response
    order = [id(m) for m in dap.received]
    assert order.index(id(events[-1])) < order.index(id(response))


def test_no_progress_events_for_a_client_that_did_not_ask_for_them(dap_raw, many_threads):
    initialize(dap_raw, progress=False)
    dap_raw.attach(many_threads.pid)
    assert progress_events(dap_raw) == []


def test_no_progress_for_a_small_attach(dap_raw, programs):
    small = programs.start("spin", 8, -1, wait_line="spin: ready 8")
    initialize(dap_raw, progress=True)
    dap_raw.attach(small.pid)
    assert progress_events(dap_raw) == []


def test_watch_shows_the_attach_progress_in_json_and_text(many_threads):
    def watch(*options: str) -> str:
        proc = subprocess.Popen(
            [sys.executable, "-m", "dap_threads", "watch", *options, str(many_threads.pid)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:  # up to the first thread event after the attach
            lines.append(line)
            if "progress-end" in line or "done," in line:
                break
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
        return "".join(lines) + out

    records = [json.loads(line) for line in watch("--json").splitlines()]
    stages = [r["event"] for r in records if r["event"].startswith("progress-")]
    assert stages[0] == "progress-start" and stages[-1] == "progress-end", stages
    start = next(r for r in records if r["event"] == "progress-start")
    assert start["title"] == f"attaching to process {many_threads.pid}" and start["total"] >= THREADS
    assert next(r for r in records if r["event"] == "progress-end")["total"] == THREADS + 1

    text = watch()
    started = rf"^\[dap-threads\] \S+ attaching to process {many_threads.pid}: 0 of \d+$"
    assert re.search(started, text, re.M), text[:500]
    assert re.search(rf"attaching to process {many_threads.pid}: done, {THREADS + 1}$", text, re.M)
