"""Promise 2 — exactly-once accounting under load.

``storm 20000 64``: 20,000 short threads, 64 alive at a time. The client must
get one ``started`` and one ``exited`` per thread lifetime, no duplicates, no
tid left in ``threads`` once the storm is over, and the program's own sum
must be right. Then the same with the attach landing in the middle of the
storm, while threads are being created during the attach scan.

storm writes "index tid start_ns" for every thread to STORM_TIMESTAMPS; here
that is a FIFO, so storm's main blocks after its last join (and after
printing its result) until the test reads it: the adapter's thread list is
checked while the program is still alive, with every worker gone.

How these fail when the promise breaks:
- a clone event and the new thread's first stop both announcing the thread, or
  a tid seized by the attach scan and again by its creator's clone event:
  two `started` in a row for one tid;
- an exit status lost or not routed (the reaper's unclaimed statuses, an exit
  read before the clone event): a tid never `exited`, and left in `threads`;
- a thread announced that the program never had, or one missed: the
  multiset of started tids differs from storm's own record;
- a stop not resumed, a signal eaten: the storm stalls or its sum is wrong.
"""

from __future__ import annotations

import collections
import os
import time

from procs import program, wait_until
from reliability_support import StormRecord, assert_exactly_once, live_tids, stdout_of

TOTAL, BATCH = 20000, 64
RESULT = f"storm: threads={TOTAL} sum={TOTAL * (TOTAL - 1) // 2}\n"


def _only_main_left(client, pid: int) -> None:
    # Joined threads may still be on their way to waitpid for a moment; a lost exit never arrives.
    def settled() -> bool:
        return live_tids(client) == [pid]

    try:
        wait_until(settled, timeout=10, interval=0.1, what="threads == [main]")
    except TimeoutError:
        raise AssertionError(f"after the storm, threads still lists {live_tids(client)[:20]} (main is {pid})") from None


def test_storm_of_20000_threads_launched_announces_each_thread_started_and_exited_exactly_once(dap, tmp_path):
    record = StormRecord(tmp_path)
    try:
        dap.launch(program("storm"), [str(TOTAL), str(BATCH)], env=record.env)
        pid = dap.events("process")[0]["body"]["systemProcessId"]
        dap.wait_for(
            lambda m: m.get("event") == "output" and "storm:" in m["body"]["output"],
            timeout=180,
            what="storm's result line",
        )
        _only_main_left(dap, pid)
        rows = record.collect()
    finally:
        record.release()
    exited = dap.wait_event("exited", timeout=30)
    dap.wait_event("terminated")
    assert exited["body"]["exitCode"] == 0 and stdout_of(dap) == RESULT

    assert len(rows) == TOTAL
    history = assert_exactly_once(dap, ended=True)
    started = collections.Counter(dap.thread_events("started"))
    assert started[pid] == 1
    del started[pid]
    # Launched: every thread is seen from its first instruction, so the
    # announced lifetimes are exactly the program's threads (tids may repeat
    # when the kernel recycles them; the counts must match per tid).
    assert started == collections.Counter(tid for _, tid, _ in rows), "announced threads differ from storm's record"
    assert sum(len(r) for r in history.values()) == 2 * (TOTAL + 1)


def test_storm_attached_mid_flight_announces_each_thread_exactly_once(dap, programs, tmp_path):
    record = StormRecord(tmp_path)
    # --hold-ms 1 keeps the storm going for a few seconds untraced, so the attach lands inside it.
    storm = programs.start("storm", TOTAL, BATCH, "--hold-ms", 1, env={**os.environ, **record.env})
    try:
        time.sleep(0.15)
        before_attach = time.monotonic_ns()
        dap.attach(storm.pid)
        attached = time.monotonic_ns()
        line = storm.stdout.readline()
        assert line == RESULT
        _only_main_left(dap, storm.pid)
        rows = record.collect()
    finally:
        record.release()
    storm.wait(30)
    assert storm.returncode == 0
    dap.wait_event("terminated", timeout=30)

    # The attach really happened mid-storm: threads started both before and after it.
    assert any(ns < before_attach for _, _, ns in rows) and any(ns > attached for _, _, ns in rows), (
        "the attach did not land inside the storm; the test proves nothing"
    )
    assert_exactly_once(dap, ended=True)
    started = collections.Counter(dap.thread_events("started"))
    assert started.pop(storm.pid) == 1
    in_record = collections.Counter(tid for _, tid, _ in rows)
    after = collections.Counter(tid for _, tid, ns in rows if ns > attached)
    unknown = set(started) - set(in_record)
    assert not unknown, f"started events for tids the program never had: {sorted(unknown)[:10]}"
    # Each tid: at least its lifetimes begun after the attach, at most all of them.
    wrong = {
        tid: (after[tid], started[tid], in_record[tid])
        for tid in in_record
        if not after[tid] <= started[tid] <= in_record[tid]
    }
    assert not wrong, f"(started after attach, announced, lifetimes) out of bounds for {dict(list(wrong.items())[:10])}"
    assert sum(after.values()) > TOTAL // 4


def test_threads_created_by_non_main_threads_during_the_attach_are_each_announced_once(dap, programs, tmp_path):
    """testdata/chains: 100 chains of threads, each thread creating the next after ~5 ms
    (never the main thread). During the attach scan, a thread not yet seized creates threads the
    kernel does not auto-attach; only a rescan of /proc finds them, and missing one
    loses the rest of its chain."""
    record = StormRecord(tmp_path)  # a FIFO: main waits on it after "done"
    proc = programs.start("chains", 100, 100, 5, env={**os.environ, "CHAINS_RECORD": str(record.path)})
    try:
        assert proc.stdout.readline() == "chains: ready\n"
        time.sleep(0.05)  # the chains in full swing: ~100 threads, ~20 new ones per ms
        before_attach = time.monotonic_ns()
        dap.attach(proc.pid)
        attached = time.monotonic_ns()
        assert proc.stdout.readline() == "chains: done 10000\n"
        _only_main_left(dap, proc.pid)
        rows = [(tid, ns) for tid, ns, *_ in record.collect()]
    finally:
        record.release()
    assert proc.wait(30) == 0
    dap.wait_event("terminated", timeout=30)
    assert len(rows) == 10000
    assert any(ns < before_attach for _, ns in rows) and any(ns > attached for _, ns in rows), (
        "the attach did not land while the chains were running; the test proves nothing",
        min(ns for _, ns in rows),
        max(ns for _, ns in rows),
        before_attach,
        attached,
    )
    assert_exactly_once(dap, ended=True)
    started = collections.Counter(dap.thread_events("started"))
    assert started.pop(proc.pid) == 1
    in_record = collections.Counter(tid for tid, _ in rows)
    after = collections.Counter(tid for tid, ns in rows if ns > attached)
    unknown = set(started) - set(in_record)
    assert not unknown, f"started events for tids the program never had: {sorted(unknown)[:10]}"
    wrong = {
        tid: (after[tid], started[tid], in_record[tid])
        for tid in in_record
        if not after[tid] <= started[tid] <= in_record[tid]
    }
    assert not wrong, f"(started after attach, announced, lifetimes) out of bounds for {dict(list(wrong.items())[:10])}"
