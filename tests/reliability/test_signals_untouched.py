"""Promise 3 — signals untouched: a traced program gets every signal it would get untraced.

signals (testdata/signals.c) handshakes every signal: SIGUSR1 by
pthread_kill/tgkill to each worker, SIGRTMIN+1 with a payload by sigqueue to
the process and pthread_sigqueue to a thread, SIGUSR2 by kill() to the whole
process; the handler checks si_code, si_pid, si_value and the receiving
thread, and the totals are printed. segv_handler faults on purpose and
recovers in its SIGSEGV handler, as a JVM does; and if a JDK is installed, a
Java program whose implicit null checks are SIGSEGVs runs under trace.

How these fail when the promise breaks:
- a signal suppressed (resumed with 0 instead of the signal) or delivered
  twice: the totals differ, or signals stalls waiting for a handshake;
- a signal re-sent by the tracer (kill/tgkill instead of re-injection):
  si_code/si_pid change and signals reports bad_siginfo (exit 1);
- a thread-directed signal re-routed to another thread: misrouted (exit 1);
- SIGSEGV treated as a crash (the program killed, or the fault not passed
  on): segv_handler or the JVM dies or prints wrong totals;
- a signal held during pause and not delivered on continue: a stall.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from procs import program
from reliability_support import (
    all_held,
    assert_exactly_once,
    finish,
    launch_to_end,
    pause,
    stdout_of,
    untraced,
)

JAVA_SOURCE = Path(__file__).resolve().parent / "java" / "ThreadsAndNulls.java"


def signals_result(nthreads: int, rounds: int) -> str:
    return f"signals: usr1={nthreads * rounds} usr2={rounds} rt={rounds} payload_sum={rounds * (rounds + 1) // 2}\n"


def test_signal_heavy_program_launched_prints_the_same_result_as_untraced(dap):
    expected = untraced("signals", 12, 600)
    assert (expected.stdout, expected.returncode) == (signals_result(12, 600), 0)
    out, code = launch_to_end(dap, "signals", 12, 600)
    assert (out, code) == (expected.stdout, 0)


def test_signal_heavy_program_attached_mid_run_prints_the_same_result_as_untraced(dap, programs):
    sig = programs.start("signals", 8, 3000)
    time.sleep(0.05)
    dap.attach(sig.pid)
    out, err = finish(sig)
    assert (out, sig.returncode) == (signals_result(8, 3000), 0), err
    dap.wait_event("terminated", timeout=20)
    assert_exactly_once(dap, ended=True)


def test_signals_held_by_pause_are_delivered_once_on_continue(dap):
    """Pauses land while signals are in flight; the held ones must arrive on continue, once."""
    dap.launch(program("signals"), ["6", "4000"])
    pid = dap.events("process")[0]["body"]["systemProcessId"]
    for cycle in range(25):
        time.sleep(0.01 * (cycle % 5))
        if dap.events("exited"):
            break
        pause(dap, pid)
        assert all_held(pid) or dap.events("exited")
        dap.ok("continue", {"threadId": pid})
    assert dap.wait_event("exited", timeout=120)["body"]["exitCode"] == 0
    dap.wait_event("terminated")
    assert stdout_of(dap) == signals_result(6, 4000)


def test_deliberate_sigsegv_handled_by_the_program_works_under_trace(dap):
    expected = untraced("segv_handler", 20000, 4, "mixed")
    assert (expected.stdout, expected.returncode) == ("segv: recovered=20000\n", 0)
    out, code = launch_to_end(dap, "segv_handler", 20000, 4, "mixed")
    assert (out, code) == (expected.stdout, 0)


def test_deliberate_sigsegv_with_pauses_in_between_works_under_trace(dap):
    dap.launch(program("segv_handler"), ["100000", "3", "mixed"])
    pid = dap.events("process")[0]["body"]["systemProcessId"]
    for _ in range(15):
        if dap.events("exited"):
            break
        pause(dap, pid)
        dap.ok("continue", {"threadId": pid})
        time.sleep(0.02)
    assert dap.wait_event("exited", timeout=120)["body"]["exitCode"] == 0
    dap.wait_event("terminated")
    assert stdout_of(dap) == "segv: recovered=100000\n"


@pytest.fixture(scope="module")
def java_class(tmp_path_factory) -> tuple[str, str]:
    java, javac = shutil.which("java"), shutil.which("javac")
    if not java or not javac:
        pytest.skip("no JDK on this machine (java and javac are needed for the JVM workload)")
    out = tmp_path_factory.mktemp("java")
    subprocess.run([javac, "-d", str(out), str(JAVA_SOURCE)], check=True, timeout=120)
    return os.path.realpath(java), str(out)


def test_jvm_with_implicit_null_checks_and_threads_runs_correctly_under_trace(dap, java_class):
    """HotSpot turns null dereferences in compiled code into SIGSEGVs it handles
    (about 28,000 in this run, per strace), and starts GC/JIT threads of its own."""
    java, classpath = java_class
    argv = ["-Xss512k", "-cp", classpath, "ThreadsAndNulls", "16", "200000"]
    expected = subprocess.run([java, *argv], capture_output=True, text=True, timeout=120)
    assert expected.returncode == 0, expected.stderr
    dap.launch(java, argv)
    exited = dap.wait_event("exited", timeout=120)
    dap.wait_event("terminated")
    assert (stdout_of(dap), exited["body"]["exitCode"]) == (expected.stdout, 0)
    history = assert_exactly_once(dap, ended=True)
    assert len(history) > 16  # our workers and the JVM's own threads
