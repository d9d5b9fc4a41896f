"""Promise 1 — adapter death: the attached program never pays for the adapter's end.

SIGKILL of the adapter (no chance to clean up) while the program runs, while
it is paused, and in the middle of a thread storm; a client that vanishes
without ``disconnect`` over stdio and over TCP. In every case the program
must go on and end exactly as it does untraced: same output, status 0.

How these fail when the promise breaks:
- ``PTRACE_O_EXITKILL`` on an *attached* program (or a kill on cleanup): the
  program dies with the adapter (returncode -9);
- a held thread (pause, a held signal) not released, or a held signal
  dropped: the program hangs, or signals loses a signal and exits 3;
- stdin EOF / a dropped TCP connection not noticed, or noticed without a
  detach: TracerPid stays the adapter's and paused threads stay in "t";
- a TCP session ending that takes the server or other sessions down: the
  second session's requests and events stop.
"""

from __future__ import annotations

import signal
import socket
import struct
import time

import pytest
from procs import tracer_pid, wait_until
from reliability_support import (
    HELD,
    all_held,
    finish,
    in_signal_delivery_stop,
    kernel_stacks_readable,
    live_tids,
    log_errors,
    pause,
    states_now,
    untraced,
    wait_detached,
)


def _sigkill(adapter) -> None:
    adapter.proc.send_signal(signal.SIGKILL)
    adapter.proc.wait(10)


def test_sigkill_of_the_adapter_while_the_program_runs_leaves_it_to_finish_normally(adapter, dap, programs):
    expected = untraced("seed", 30, 20, 100, 30)
    seed = programs.start("seed", 30, 20, 100, 30, wait_line="process:")
    dap.attach(seed.pid)
    dap.wait_for(lambda m: m.get("event") == "thread" and m["body"]["threadId"] != seed.pid, what="a new thread")
    _sigkill(adapter)
    wait_detached(seed.pid)
    out, _ = seed.communicate(timeout=30)
    assert seed.returncode == 0, "the program died with the adapter (PTRACE_O_EXITKILL on attach?)"
    # The first line was read by programs.start(); the rest is the program's usual output.
    assert out.count("process:") == expected.stdout.count("process:") - 1 and out.endswith("done\n")


def test_sigkill_of_the_adapter_while_the_program_is_paused_releases_it_with_no_signal_lost(adapter, dap, programs):
    """Paused while signals are in flight, the adapter is SIGKILLed: every signal must
    still be handled exactly once. signals handshakes each of its 40,000 signals and
    counts them; a lost one stalls it (then it exits 3), a duplicate breaks the totals.

    The dangerous moment is a thread held in a signal-delivery-stop: its signal has
    been dequeued and exists only in the adapter. The pause is repeated (up to 40
    times) until /proc/TID/stack shows a thread in such a stop, so that case is hit
    whenever the adapter can be caught in it; an adapter that never holds a thread
    there is killed while paused after the last attempt."""
    if not kernel_stacks_readable():
        pytest.skip("/proc/PID/stack is not readable here (needs root and CONFIG_STACKTRACE)")
    sig = programs.start("signals", 6, 5000)
    dap.attach(sig.pid)
    for attempt in range(40):
        pause(dap, sig.pid)
        wait_until(lambda: all_held(sig.pid), timeout=5, what="all threads held")
        if in_signal_delivery_stop(sig.pid) or attempt == 39:
            break
        dap.ok("continue", {"threadId": sig.pid})
        time.sleep(0.005 * (attempt % 7))
    _sigkill(adapter)
    wait_detached(sig.pid)
    out, err = finish(sig)
    assert (out, sig.returncode) == ("signals: usr1=30000 usr2=5000 rt=5000 payload_sum=12502500\n", 0), err


def test_sigkill_of_the_adapter_in_the_middle_of_a_thread_storm_leaves_the_storm_intact(adapter, dap, programs):
    storm = programs.start("storm", 20000, 64)
    dap.attach(storm.pid)
    # Killed while thousands of clone events are in flight, some threads held
    # in their first stop, some exits not yet reaped.
    wait_until(lambda: len(dap.events("thread")) > 1500, timeout=60, what="1500 thread events")
    _sigkill(adapter)
    out, err = storm.communicate(timeout=60)
    assert (out, storm.returncode) == ("storm: threads=20000 sum=199990000\n", 0), err


def test_stdin_closed_without_disconnect_detaches_and_the_adapter_exits(adapter, dap, programs):
    seed = programs.start("seed", 30, 15, 100, 30, wait_line="process:")
    dap.attach(seed.pid)
    dap.wait_event("thread", reason="started")
    dap.close()  # the editor crashed: EOF on the adapter's stdin, no disconnect
    assert adapter.proc.wait(10) == 0
    assert tracer_pid(seed.pid) == 0
    out, _ = seed.communicate(timeout=30)
    assert seed.returncode == 0 and out.count("process:") == 15 and out.endswith("done\n")
    assert not log_errors(adapter.log_file)


def test_stdin_closed_while_paused_resumes_the_program(adapter, dap, programs):
    seed = programs.start("seed", 30, 10, 100, 30, wait_line="process:")
    dap.attach(seed.pid, stopOnAttach=True)
    dap.wait_event("stopped")
    assert all_held(seed.pid)
    dap.close()
    assert adapter.proc.wait(10) == 0
    wait_detached(seed.pid)
    out, _ = seed.communicate(timeout=30)
    assert seed.returncode == 0 and out.count("process:") == 10 and out.endswith("done\n")


def _reset(client) -> None:
    """Drop the connection the rude way: RST instead of FIN (SO_LINGER 0)."""
    sock = client._reader.raw._sock if hasattr(client._reader, "raw") else None
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    client.close()


def test_dropped_tcp_connection_detaches_its_program_and_the_server_serves_on(tcp_adapter, programs):
    victim = programs.start("seed", 30, 15, 100, 30, wait_line="process:")
    survivor = programs.start("seed", 100, 30, 100, 30, wait_line="process:")

    other = tcp_adapter.connect()
    other.initialize()
    other.attach(survivor.pid)

    dropped = tcp_adapter.connect()
    dropped.initialize()
    dropped.attach(victim.pid, stopOnAttach=True)
    dropped.wait_event("stopped")
    assert all_held(victim.pid)
    _reset(dropped)

    wait_detached(victim.pid)
    out, _ = victim.communicate(timeout=30)
    assert victim.returncode == 0 and out.count("process:") == 15 and out.endswith("done\n")

    # The other session is untouched: it still answers and still gets events.
    assert survivor.pid in live_tids(other)
    seen = len(other.events("thread"))
    wait_until(lambda: len(other.events("thread")) > seen, timeout=10, what="more thread events")
    assert tracer_pid(survivor.pid) == tcp_adapter.proc.pid
    # And a new connection is served.
    again = tcp_adapter.connect()
    again.initialize()
    assert again.ok("threads")["body"]["threads"] == []
    again.close()
    other.ok("disconnect")
    other.close()
    wait_detached(survivor.pid)
    assert tcp_adapter.proc.poll() is None
    assert HELD not in states_now(survivor.pid).values()
    survivor.communicate(timeout=30)
    assert survivor.returncode == 0
    for client in (other, dropped, again):
        client.check_schema()
