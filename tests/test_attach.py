"""attach: every thread the program creates while attached is announced, once; detach leaves it running."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from procs import tracer_pid, wait_until

LINE = re.compile(r"process: (\d+), thread: (\d+)")


def test_attach_reports_a_started_event_for_every_thread_the_program_prints(dap, programs):
    seed = programs.start("seed", 100, 12, 300, 150, wait_line="process:")
    dap.attach(seed.pid)
    out, _ = seed.communicate(timeout=30)
    assert seed.returncode == 0 and out.strip().endswith("done")
    printed = {int(m.group(2)) for m in LINE.finditer(out)} - {seed.pid}
    started = dap.thread_events("started")
    # Threads created after the attach all print; each must have been announced exactly once.
    assert len(started) == len(set(started)), "a thread was announced twice"
    created_while_attached = printed & set(started)
    assert len(created_while_attached) >= 10, (printed, started)
    assert seed.pid in started
    exited = dap.thread_events("exited")
    assert len(exited) == len(set(exited))
    assert created_while_attached <= set(exited)


def test_threads_response_equals_proc_task_and_lists_main_first(dap, programs):
    spin = programs.start("spin", 6, -1, wait_line="spin: ready")
    dap.attach(spin.pid)
    response = dap.ok("threads")
    ids = [t["id"] for t in response["body"]["threads"]]
    import os

    assert ids[0] == spin.pid
    assert sorted(ids) == sorted(int(t) for t in os.listdir(f"/proc/{spin.pid}/task"))
    names = {t["id"]: t["name"] for t in response["body"]["threads"]}
    # comm (tid), then what the last sample saw (tests/observe/test_thread_pane.py checks that part)
    assert re.fullmatch(rf"spin \({spin.pid}\)( · [RSD]\b.*)?", names[spin.pid]), names
    assert any(re.fullmatch(r"spinner-\d+ \(\d+\)( · [RSD]\b.*)?", n) for n in names.values()), names
    # Existing threads are announced with `started` too, before any response names them.
    assert set(dap.thread_events("started")) >= set(ids)


def test_attach_leaves_the_program_running(dap, programs):
    seed = programs.start("seed", 50, 4, 200, 50, wait_line="process:")
    dap.attach(seed.pid)
    # Not stopped: it goes on creating threads (started events keep coming).
    dap.wait_for(
        lambda m: m.get("event") == "thread" and m["body"]["reason"] == "started" and m["body"]["threadId"] != seed.pid,
        timeout=10,
    )


def test_disconnect_detaches_and_the_program_finishes_normally(adapter, dap, programs):
    seed = programs.start("seed", 100, 5, 300, 100, wait_line="process:")
    dap.attach(seed.pid)
    dap.wait_event("thread", reason="started")
    dap.ok("disconnect")
    wait_until(lambda: tracer_pid(seed.pid) == 0, what="detach")
    out, _ = seed.communicate(timeout=30)
    assert seed.returncode == 0
    assert out.count("process:") == 5 and out.strip().endswith("done")  # the first line was read by start()
    # stdio mode: the adapter exits by itself after answering disconnect.
    assert adapter.proc.wait(5) == 0


def test_disconnect_while_paused_resumes_the_program(adapter, dap, programs):
    seed = programs.start("seed", 100, 3, 200, 100, wait_line="process:")
    dap.attach(seed.pid, stopOnAttach=True)
    dap.wait_event("stopped", reason="pause")
    dap.ok("disconnect")
    out, _ = seed.communicate(timeout=30)
    assert seed.returncode == 0 and out.count("process:") == 3


def test_stop_on_attach_pauses_and_reports_after_configuration_done(adapter, programs):
    client = adapter.client
    client.initialize()
    seed = programs.start("seed", 0, 0, -1, wait_line="process:")
    client.ok("attach", {"pid": seed.pid, "stopOnAttach": True})
    time.sleep(0.3)
    assert not client.events("stopped"), "stopped must wait for configurationDone"
    index = len(client.received)
    client.ok("configurationDone")
    stopped = client.wait_event("stopped", reason="pause")
    assert client.received.index(stopped) > index
    assert stopped["body"]["allThreadsStopped"] is True
    from procs import thread_states

    assert set(thread_states(seed.pid).values()) == {"t"}


def test_process_id_is_accepted_as_vscode_cpptools_sends_it(dap, programs):
    seed = programs.start("seed", 0, 0, -1, wait_line="process:")
    dap.ok("attach", {"processId": str(seed.pid)})
    assert tracer_pid(seed.pid) != 0


def task_tracers(pid: int) -> dict[int, int]:
    """tid -> TracerPid of every thread of ``pid`` (threads that end while we look are left out)."""
    tracers = {}
    for name in os.listdir(f"/proc/{pid}/task"):
        try:
            lines = Path(f"/proc/{pid}/task/{name}/status").read_text().splitlines()
        except OSError:
            continue
        tracers[int(name)] = next(int(line.split()[1]) for line in lines if line.startswith("TracerPid:"))
    return tracers


def test_attach_seizes_threads_that_not_yet_seized_threads_create_during_the_scan(adapter, dap, programs):
    # Every thread of `chains` after the first generation is created by a non-main thread: a
    # successor born to a thread the scan had not seized yet is not auto-attached and shows up
    # only in a later look at /proc/PID/task. Missed, its lineage would run untraced for good.
    chain = programs.start("chains", 1000, 0, 500, wait_line="chains: ready")
    dap.attach(chain.pid)
    time.sleep(0.3)
    # Threads live 500 ms here: on a loaded machine many of those listed are gone before their
    # status is read, so look until one look has read enough of them to mean something.
    for _ in range(20):
        tracers = task_tracers(chain.pid)
        untraced = {tid: tracer for tid, tracer in tracers.items() if tracer != adapter.proc.pid}
        assert not untraced, untraced
        if len(tracers) > 32:
            break
    assert len(tracers) > 32, f"never read the status of more than {len(tracers)} threads"


def test_disconnect_is_answered_only_after_every_thread_is_detached(adapter, dap, programs):
    # A client may hand the program to another debugger as soon as disconnect is answered.
    spin = programs.start("spin", 8, -1, wait_line="spin: ready")
    dap.attach(spin.pid)
    dap.ok("disconnect")
    assert set(task_tracers(spin.pid).values()) == {0}
