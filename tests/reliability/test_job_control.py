"""Promise 4 — job control: SIGSTOP and SIGCONT from outside behave as they do untraced.

A shell's job control rests on two things: the program really stops (uses no
CPU) and its parent is told (waitid WSTOPPED / WCONTINUED); SIGCONT resumes
it. Each test runs the same sequence on an untraced copy first, so the
oracle is the kernel's own behaviour, then on a traced one. The adapter
must keep answering (``threads`` during the group-stop), and neither pause,
continue nor disconnect may eat the stop.

How these fail when the promise breaks:
- a group-stop resumed with PTRACE_CONT instead of PTRACE_LISTEN (the stop
  eaten): the program keeps using CPU while it should be stopped;
- SIGSTOP suppressed at its signal-delivery-stop: the same, and the parent
  never sees CLD_STOPPED;
- SIGCONT not noticed by a LISTENing tracee, or the tracee left in its
  ptrace-stop: the program stays stopped after SIGCONT;
- a request that waits for a stop that never comes: the `threads`/`pause`
  request times out (the adapter hangs).
"""

from __future__ import annotations

import os
import signal
import time

import pytest
from procs import tracer_pid, wait_until
from reliability_support import HELD, all_held, live_tids, pause, states_now, wait_detached

STOPPED_STATES = {"T", "t"}


def cpu_ticks(pid: int) -> int:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime of the whole process


def runs(pid: int, window: float = 0.3) -> bool:
    before = cpu_ticks(pid)
    time.sleep(window)
    return cpu_ticks(pid) - before >= 2


def is_frozen(pid: int, window: float = 0.4) -> bool:
    before = cpu_ticks(pid)
    time.sleep(window)
    return cpu_ticks(pid) == before and set(states_now(pid).values()) <= STOPPED_STATES


def parent_sees(pid: int, flag: int, timeout: float = 5) -> int:
    """What the parent's waitid reports: CLD_STOPPED for WSTOPPED, CLD_CONTINUED for WCONTINUED."""

    def report():
        result = os.waitid(os.P_PID, pid, flag | os.WNOHANG)
        return result.si_code if result is not None else None

    return wait_until(report, timeout=timeout, what=f"waitid({flag:#x}) report for {pid}")


def stop_and_continue(pid: int, during=lambda: None) -> None:
    """SIGSTOP, check the stop as a shell sees it, run ``during``, SIGCONT, check the resume."""
    assert runs(pid), "the program does not run to begin with"
    os.kill(pid, signal.SIGSTOP)
    assert parent_sees(pid, os.WSTOPPED) == os.CLD_STOPPED
    assert is_frozen(pid), f"still runs after SIGSTOP: states {states_now(pid)}"
    during()
    assert is_frozen(pid), f"runs again before SIGCONT: states {states_now(pid)}"
    os.kill(pid, signal.SIGCONT)
    assert parent_sees(pid, os.WCONTINUED) == os.CLD_CONTINUED
    wait_until(lambda: runs(pid), timeout=5, what="running again after SIGCONT")


@pytest.fixture
def spinning(programs):
    def start():
        return programs.start("spin", 3, -1, wait_line="spin: ready")

    return start


def test_sigstop_and_sigcont_from_outside_behave_as_untraced_and_threads_still_answers(dap, spinning):
    stop_and_continue(spinning().pid)  # the kernel's behaviour, untraced

    spin = spinning()
    dap.attach(spin.pid)
    tids = sorted(live_tids(dap))

    def during():
        started = time.monotonic()
        assert sorted(live_tids(dap, timeout=5)) == tids
        assert time.monotonic() - started < 2, "threads was slow to answer during the group-stop"

    stop_and_continue(spin.pid, during)
    assert tracer_pid(spin.pid) != 0, "the adapter let go of the program"


def test_pause_and_continue_during_a_group_stop_keep_the_program_stopped_until_sigcont(dap, spinning):
    spin = spinning()
    dap.attach(spin.pid)

    def during():
        pause(dap, spin.pid)
        assert all_held(spin.pid) or set(states_now(spin.pid).values()) <= STOPPED_STATES
        dap.ok("continue", {"threadId": spin.pid})
        time.sleep(0.1)

    stop_and_continue(spin.pid, during)


def test_disconnect_during_a_group_stop_leaves_the_program_stopped_until_sigcont(adapter, dap, spinning):
    spin = spinning()
    dap.attach(spin.pid)

    def during():
        dap.ok("disconnect")
        assert adapter.proc.wait(10) == 0
        wait_until(lambda: tracer_pid(spin.pid) == 0, what="detached")

    stop_and_continue(spin.pid, during)
    wait_detached(spin.pid)


def test_sigstop_while_paused_takes_effect_on_continue(dap, spinning):
    """Untraced, a SIGSTOP stops the program; a debugger's pause must not swallow it."""
    spin = spinning()
    dap.attach(spin.pid)
    pause(dap, spin.pid)
    os.kill(spin.pid, signal.SIGSTOP)
    time.sleep(0.1)
    assert all_held(spin.pid)
    dap.ok("continue", {"threadId": spin.pid})
    assert parent_sees(spin.pid, os.WSTOPPED) == os.CLD_STOPPED
    assert is_frozen(spin.pid), f"the SIGSTOP was eaten: states {states_now(spin.pid)}"
    assert len(live_tids(dap, timeout=5)) == 4
    os.kill(spin.pid, signal.SIGCONT)
    assert parent_sees(spin.pid, os.WCONTINUED) == os.CLD_CONTINUED
    wait_until(lambda: runs(spin.pid), timeout=5, what="running after SIGCONT")
    assert HELD not in states_now(spin.pid).values()


def test_sigcont_while_paused_does_not_release_the_pause_and_continue_still_works(dap, spinning):
    spin = spinning()
    dap.attach(spin.pid)
    pause(dap, spin.pid)
    os.kill(spin.pid, signal.SIGCONT)
    assert is_frozen(spin.pid) and all_held(spin.pid), states_now(spin.pid)
    dap.ok("continue", {"threadId": spin.pid})
    wait_until(lambda: runs(spin.pid), timeout=5, what="running after continue")
