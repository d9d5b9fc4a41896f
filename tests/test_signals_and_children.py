"""Signals reach the program unchanged; forks and execs keep working under trace."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from procs import program, thread_states, tracer_pid, wait_until


def untraced(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=60)


def launched_output(dap, name: str, *args: str) -> tuple[str, int]:
    dap.launch(program(name), list(args))
    code = dap.wait_event("exited", timeout=60)["body"]["exitCode"]
    dap.wait_event("terminated")
    out = "".join(m["body"]["output"] for m in dap.events("output") if m["body"]["category"] == "stdout")
    return out, code


def test_signal_program_prints_the_same_counts_traced_and_untraced(dap):
    expected = untraced(program("signals"), "4", "200")
    assert expected.returncode == 0
    out, code = launched_output(dap, "signals", "4", "200")
    assert (out, code) == (expected.stdout, 0)


def test_fork_and_vfork_children_run_untraced_to_completion(dap):
    expected = untraced(program("forker"), "3")
    out, code = launched_output(dap, "forker", "3")
    assert code == 0 and out == expected.stdout


def test_exec_from_a_thread_collapses_the_thread_list(dap):
    out, code = launched_output(dap, "execer", "thread", "3")
    assert code == 0 and "after exec" in out
    started, exited = dap.thread_events("started"), dap.thread_events("exited")
    assert len(started) == len(set(started)) and len(exited) == len(set(exited))
    # Every thread but the leader's tid is gone by the end; the leader exits last.
    assert set(exited) == set(started)


def test_group_stop_from_outside_is_kept_and_threads_still_answers(dap, programs):
    spin = programs.start("spin", 3, -1, wait_line="spin: ready")
    dap.attach(spin.pid)
    os.kill(spin.pid, signal.SIGSTOP)
    wait_until(lambda: set(thread_states(spin.pid).values()) <= {"T", "t"}, what="group-stop")
    time.sleep(0.2)
    # Still stopped (not resumed by the tracer), and the adapter answers.
    assert set(thread_states(spin.pid).values()) <= {"T", "t"}
    assert len(dap.ok("threads", timeout=5)["body"]["threads"]) == 4
    os.kill(spin.pid, signal.SIGCONT)
    wait_until(lambda: not set(thread_states(spin.pid).values()) & {"T", "t"}, what="resumed by SIGCONT")


def cpu_ticks(pid: int) -> int:
    """utime + stime of the whole process, in clock ticks (/proc/PID/stat fields 14 and 15)."""
    data = open(f"/proc/{pid}/stat").read()
    fields = data[data.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])


def test_a_signal_held_by_a_pause_is_delivered_by_the_detach(tmp_path, programs):
    # `signals` keeps exactly one signal in flight and waits (30 s) for its handler to run: a
    # signal that a pause caught in its delivery stop and that the detach then drops stalls it.
    # A pause lands on a signal in flight only sometimes, so several sessions try.
    from dap_client import AdapterProcess

    for attempt in range(5):
        sig = programs.start("signals", 4, 10**9)
        time.sleep(0.05)
        adapter = AdapterProcess(tmp_path)
        client = adapter.client
        client.initialize()
        client.attach(sig.pid)
        time.sleep(0.05)
        client.ok("pause", {"threadId": sig.pid})
        client.wait_event("stopped")
        client.ok("disconnect")
        assert adapter.proc.wait(10) == 0
        client.check_schema()
        pid = sig.pid
        wait_until(lambda pid=pid: tracer_pid(pid) == 0, what="detach")
        before = cpu_ticks(pid)
        wait_until(
            lambda pid=pid, before=before: cpu_ticks(pid) > before + 5,
            timeout=3,
            what=f"signals making progress ({attempt})",
        )
        sig.kill()
        sig.wait(10)
