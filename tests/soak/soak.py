"""The soak run (`make soak`, not part of `make test`): one adapter server, one program, many sessions.

testdata/soak.c creates and ends threads and forks children that exec, without end. One TCP adapter
(`python -m dap_threads --listen`) serves a client that, in a loop for SOAK_SECONDS (600 by default),
connects, attaches, then pauses, lists the threads, reads the stacks of three of them and continues,
ten times, then disconnects (detach) and connects again. It fails (exit 1) when:

- the adapter's memory (RSS) or open descriptors grow past a small tolerance after warm-up (the first
  fifth of the run): a leak of per-thread, per-stop or per-connection state;
- a connection's `thread` events are not exactly-once: per tid, `started` and `exited` alternate and
  begin with `started` (threads alive at the attach are announced `started` too), so no thread exits
  twice or without a start (the kernel recycles tids, so a tid may live several times);
- a request fails or times out, or the program's own check is wrong (it verifies a sum over every
  thread and every child's exit status, and prints "ok").

The figures (RSS, descriptors, sessions, cycles, stacks, events) are printed at the end.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE.parent / "reliability")]

from dap_client import DapClient  # noqa: E402
from procs import program  # noqa: E402
from reliability_support import TcpAdapter, live_tids, pause, thread_history, wait_or_kill  # noqa: E402

CYCLES_PER_SESSION = 10
STACKS_PER_STOP = 3
#: Growth allowed after warm-up: allocator noise and caches that fill once (libdw's debug info).
RSS_TOLERANCE_KIB = 8 * 1024
FD_TOLERANCE = 2


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def not_exactly_once(client: DapClient) -> dict[int, list[str]]:
    bad = {}
    for tid, reasons in thread_history(client).items():
        if reasons != ["started", "exited"] * (len(reasons) // 2) + ["started"] * (len(reasons) % 2):
            bad[tid] = reasons
    return bad


def session(server: TcpAdapter, pid: int, counts: dict[str, int]) -> list[str]:
    """One connection: attach, pause/threads/stacks/continue cycles, disconnect. Returns its failures."""
    client = server.connect()
    try:
        client.initialize()
        client.attach(pid)
        for _ in range(CYCLES_PER_SESSION):
            time.sleep(0.2)
            pause(client, pid, timeout=30)
            for tid in live_tids(client, timeout=30)[:STACKS_PER_STOP]:
                client.ok("stackTrace", {"threadId": tid}, timeout=30)
                counts["stacks"] += 1
            client.ok("continue", {"threadId": pid}, timeout=30)
            counts["cycles"] += 1
        client.ok("disconnect", timeout=30)
        client.check_schema()
        events = client.events("thread")
        counts["events"] += len(events)
        counts["started"] += sum(e["body"]["reason"] == "started" for e in events)
        counts["exited"] += sum(e["body"]["reason"] == "exited" for e in events)
        bad = not_exactly_once(client)
        if not bad:
            return []
        return [f"session {counts['sessions']}: not exactly-once for {len(bad)} tids, e.g. {list(bad.items())[:3]}"]
    finally:
        client.close()
        counts["sessions"] += 1


def main() -> int:
    seconds = float(os.environ.get("SOAK_SECONDS", "600"))
    failures: list[str] = []
    counts = dict.fromkeys(("sessions", "cycles", "stacks", "events", "started", "exited"), 0)
    with tempfile.TemporaryDirectory(prefix="dap-threads-soak-") as directory:
        server = TcpAdapter(Path(directory))
        soak = subprocess.Popen([program("soak"), str(int(seconds) + 15)], stdout=subprocess.PIPE, text=True)
        try:
            start = time.monotonic()
            samples: list[tuple[float, int, int]] = [(0.0, rss_kib(server.proc.pid), fds(server.proc.pid))]
            warm: tuple[float, int, int] | None = None
            while time.monotonic() - start < seconds:
                failures += session(server, soak.pid, counts)
                sample = (time.monotonic() - start, rss_kib(server.proc.pid), fds(server.proc.pid))
                samples.append(sample)
                if warm is None and sample[0] >= seconds / 5:
                    warm = sample
            out, _ = soak.communicate(timeout=60)
            end = samples[-1]
            warm = warm or samples[1]
            print(
                f"soak: {seconds:g} s, {counts['sessions']} sessions, {counts['cycles']} pause/continue cycles, "
                f"{counts['stacks']} stackTraces, {counts['events']} thread events "
                f"({counts['started']} started, {counts['exited']} exited)"
            )
            print(
                f"adapter RSS: start {samples[0][1]} KiB, after warm-up ({warm[0]:.0f} s) {warm[1]} KiB, "
                f"end {end[1]} KiB, max {max(s[1] for s in samples)} KiB; "
                f"descriptors: start {samples[0][2]}, after warm-up {warm[2]}, end {end[2]}"
            )
            trend = [samples[len(samples) * i // 10] for i in range(10)] + [end]
            print("RSS KiB over time: " + ", ".join(f"{t:.0f} s {rss}" for t, rss, _ in trend))
            print(f"program: {out.strip()} (status {soak.returncode})")
            if end[1] - warm[1] > RSS_TOLERANCE_KIB:
                failures.append(f"adapter RSS grew by {end[1] - warm[1]} KiB after warm-up")
            if end[2] - warm[2] > FD_TOLERANCE:
                failures.append(f"adapter descriptors grew from {warm[2]} to {end[2]} after warm-up")
            if soak.returncode != 0 or not out.strip().endswith(" ok"):
                failures.append(f"the program's own check failed: {out.strip()!r}, status {soak.returncode}")
        finally:
            if soak.poll() is None:
                soak.kill()
                soak.wait()
            server.stop()
            wait_or_kill(server.proc)
    for failure in failures:
        print(f"FAIL: {failure}")
    print("soak: " + ("FAILED" if failures else "passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
