"""Programs that resist tracing (testdata/hostile.c, one mode each): the adapter traces them without
changing what they do, or refuses at once saying why.

- A seccomp filter of the program's own that returns SECCOMP_RET_TRACE: with no tracer, or a tracer
  without PTRACE_O_TRACESECCOMP (ours: engine/tracer.py BASE_OPTIONS), the call fails with ENOSYS
  (man 2 seccomp); SECCOMP_RET_KILL_PROCESS kills with SIGSYS either way. Traced == untraced. The
  CLI's `run --syscalls` sets PTRACE_O_TRACESECCOMP for a filter of its own: a RET_TRACE stop that is not
  its own filter's (the event's SECCOMP_RET_DATA) is skipped, so the call still fails with ENOSYS.
- Already traced by another tracer (here: PTRACE_TRACEME, making the test its tracer): attach is refused
  with the tracer's pid and name (/proc/PID/status TracerPid). Launched, its PTRACE_TRACEME fails with
  EPERM, as under any debugger (a thread has one tracer), and it runs to its end.
- PR_SET_DUMPABLE 0: root (CAP_SYS_PTRACE) may still trace it (a non-root adapter is refused with the
  reason: test_security.py covers the permission message).
- A program that stops itself (SIGSTOP, SIGTSTP, SIGTTIN): it stays stopped as untraced until SIGCONT,
  requests answer meanwhile, `continue` does not wake it.
- A program that blocks every signal: pause, continue and disconnect work (PTRACE_INTERRUPT needs no
  signal).

Each test fails if the traced run's output or status differs from the untraced one, if an attach to a
traced program is not refused with the tracer named, or if a request hangs or leaves the program stopped.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from procs import REPO, program, wait_until
from reliability_support import HELD, assert_exactly_once, live_tids, pause, states_now, stdout_of, untraced

STOPPED = {"T", "t"}


def finish_launched(dap) -> tuple[str, int]:
    code = dap.wait_event("exited", timeout=60)["body"]["exitCode"]
    dap.wait_event("terminated")
    return stdout_of(dap), code


def without_pids(text: str) -> str:
    return "\n".join(line.split(" pid=")[0] for line in text.splitlines())


@pytest.mark.parametrize("mode", ["seccomp-trace", "seccomp-kill"])
def test_seccomp_filter_behaves_as_untraced_launched(dap, mode):
    """RET_TRACE: getppid fails with ENOSYS traced too; RET_KILL_PROCESS: killed by SIGSYS, status 159."""
    expected = untraced("hostile", mode, 300)
    dap.launch(program("hostile"), [mode, "300"])
    dap.ok("configurationDone")
    out, code = finish_launched(dap)
    assert code == (expected.returncode if expected.returncode >= 0 else 128 - expected.returncode)
    assert without_pids(out) == without_pids(expected.stdout)
    assert "Function not implemented" in out if mode == "seccomp-trace" else "done" not in out


@pytest.mark.parametrize("mode", ["seccomp-trace", "seccomp-kill"])
def test_seccomp_filter_behaves_as_untraced_attached(dap, programs, mode):
    expected = untraced("hostile", mode, 300)
    proc = programs.start("hostile", mode, 1500)
    first = proc.stdout.readline()  # the program is set up (its filter installed)
    wait_until(lambda: len(states_now(proc.pid)) == 3, what="the two threads")
    dap.attach(proc.pid)
    pause(dap, proc.pid)
    dap.ok("continue", {"threadId": proc.pid})
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == expected.returncode
    assert without_pids(first + out) == without_pids(expected.stdout)


@pytest.mark.parametrize("calls", ["openat", "getppid"])
def test_seccomp_trace_filter_behaves_as_untraced_under_cli_run_syscalls(calls):
    """Our filter traces openat (the program's getppid stop is not ours) or getppid too (both filters
    trace it: the program's, the newer, gives the data). Fails if the call runs ("getppid: 1 ok")."""
    expected = untraced("hostile", "seccomp-trace", 100)
    run = [sys.executable, "-m", "dap_threads", "run", "--syscalls", calls, "--"]
    done = subprocess.run(
        [*run, program("hostile"), "seccomp-trace", "100"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == expected.returncode == 0, done.stderr
    own = [line for line in done.stdout.splitlines() if not line.startswith("[dap-threads] ")]
    assert without_pids("\n".join(own)) == without_pids(expected.stdout.rstrip("\n"))
    shown = [line for line in done.stdout.splitlines() if "] getppid(" in line]
    assert len(shown) == (2 if calls == "getppid" else 0)
    assert all(line.endswith("= -1 ENOSYS (Function not implemented)") for line in shown)


def test_attach_to_a_program_traced_by_another_tracer_names_the_tracer(dap, programs):
    proc = programs.start("hostile", "traceme", 3000, wait_line="traceme: 0")
    response = dap.request("attach", {"pid": proc.pid})
    assert not response["success"]
    me = open(f"/proc/{os.getpid()}/comm").read().strip()
    assert f"already traced by process {os.getpid()} ({me})" in response["message"], response["message"]
    assert "detach that debugger or tracer first" in response["message"]
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0 and out.strip().endswith("done")


def test_launched_program_calling_ptrace_traceme_gets_eperm_and_runs_on(dap):
    dap.launch(program("hostile"), ["traceme", "300"])
    dap.ok("configurationDone")
    out, code = finish_launched(dap)
    assert code == 0 and out.startswith("traceme: Operation not permitted") and out.strip().endswith("done")


def test_non_dumpable_program_can_be_traced_by_root(dap, programs):
    if os.geteuid() != 0:
        pytest.skip("as a user the attach is refused (test_security.py checks that message); this needs root")
    proc = programs.start("hostile", "dumpable", 1500, wait_line="ready")
    dap.attach(proc.pid)
    assert len(live_tids(dap)) == 3
    pause(dap, proc.pid)
    assert set(states_now(proc.pid).values()) == {HELD}
    dap.ok("continue", {"threadId": proc.pid})
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0 and out == "done\n"


def require_job_control_stop(sig: str) -> None:
    """Skip where the kernel would not stop even the untraced program on ``sig``.

    SIGTSTP and SIGTTIN stop a process only while its process group is not
    orphaned (POSIX; man 7 signal): run detached from any job-controlling
    shell (setsid, a CI runner, `env -i ... </dev/null` in the fresh-clone
    check) the kernel discards them, traced or not, so there is no stop to keep.
    """
    if sig == "STOP":
        return
    proc = subprocess.Popen([program("hostile"), f"stop-{sig}", "300"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and "ready" in proc.stdout.readline()
        try:
            wait_until(lambda: set(states_now(proc.pid).values()) <= STOPPED, what="untraced stop", timeout=2)
        except TimeoutError:
            pytest.skip(f"SIG{sig} does not stop even the untraced program here (an orphaned process group)")
    finally:
        proc.kill()
        proc.wait(10)


@pytest.mark.parametrize("sig", ["STOP", "TSTP", "TTIN"])
def test_program_that_stops_itself_stays_stopped_until_sigcont_launched(dap, sig):
    require_job_control_stop(sig)
    dap.launch(program("hostile"), [f"stop-{sig}", "300"])
    dap.ok("configurationDone")
    pid = dap.wait_event("process")["body"]["systemProcessId"]
    wait_until(lambda: "ready" in stdout_of(dap), what="ready")
    wait_until(lambda: set(states_now(pid).values()) <= STOPPED, what="the program stopped by its own signal")
    assert len(live_tids(dap)) == 3  # requests answer during the group-stop
    dap.ok("continue", {"threadId": pid})
    wait_until(lambda: set(states_now(pid).values()) <= STOPPED, what="still stopped after continue")
    assert "resumed" not in stdout_of(dap)
    os.kill(pid, signal.SIGCONT)
    out, code = finish_launched(dap)
    assert code == 0 and out.splitlines()[1:] == ["resumed", "done"]


@pytest.mark.parametrize("sig", ["STOP", "TSTP", "TTIN"])
def test_program_that_stopped_itself_attached_stays_stopped_until_sigcont(dap, programs, sig):
    require_job_control_stop(sig)
    proc = programs.start("hostile", f"stop-{sig}", 300, wait_line="ready")
    wait_until(lambda: set(states_now(proc.pid).values()) <= STOPPED, what="the program stopped")
    dap.attach(proc.pid)
    assert len(live_tids(dap)) == 3
    pause(dap, proc.pid)
    dap.ok("continue", {"threadId": proc.pid})
    wait_until(lambda: set(states_now(proc.pid).values()) <= STOPPED, what="still stopped")
    os.kill(proc.pid, signal.SIGCONT)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0 and out == "resumed\ndone\n"
    dap.wait_event("terminated", timeout=10)
    assert_exactly_once(dap, ended=True)


def test_program_blocking_every_signal_pauses_continues_and_detaches(dap, programs):
    proc = programs.start("hostile", "blockall", 1500, wait_line="ready")
    dap.attach(proc.pid)
    pause(dap, proc.pid)
    assert set(states_now(proc.pid).values()) == {HELD}
    dap.ok("continue", {"threadId": proc.pid})
    pause(dap, proc.pid)
    dap.ok("disconnect")
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0 and out == "done\n"
