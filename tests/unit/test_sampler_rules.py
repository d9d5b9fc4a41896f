"""The sampler's rules about ptrace-stops, on a procfs tree written by the test.

A real tracee is stopped for microseconds at each clone; catching it in that
state on purpose is not possible, so these rules are checked on files laid
out as /proc lays them out (the ``proc`` argument exists for procfs mounted
elsewhere, as in a container).
"""

from __future__ import annotations

from pathlib import Path

from dap_threads.observe.facts import ThreadState
from dap_threads.observe.sampler import CLOCK_TICKS, Sampler

PID, TID = 100, 101


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def write(
    proc: Path, tid: int, state: str, ticks: int, syscall: str = "202 0x1000 0x80 0x0 0x0 0x0 0x0 0x1 0x2"
) -> None:
    task = proc / str(PID) / "task" / str(tid)
    task.mkdir(parents=True, exist_ok=True)
    rest = " ".join(["0"] * 36)
    fields = f"{state} 1 1 1 0 -1 0 0 0 0 0 {ticks} 0 " + rest
    (task / "stat").write_text(f"{tid} (worker) {fields}\n")
    (task / "status").write_text(
        "Cpus_allowed_list:\t0-1\nvoluntary_ctxt_switches:\t5\nnonvoluntary_ctxt_switches:\t1\n"
    )
    (task / "syscall").write_text(syscall + "\n")
    (task / "wchan").write_text("futex_wait_queue")


def sampler(tmp_path: Path, clock: FakeClock) -> Sampler:
    return Sampler(PID, clock=clock, proc=str(tmp_path))


def test_a_ptrace_stop_nobody_asked_for_is_not_the_threads_state(tmp_path: Path):
    clock = FakeClock()
    s = sampler(tmp_path, clock)
    write(tmp_path, TID, "S", 10)
    first = s.sample().threads[TID]
    assert (first.state, first.wait_short) == (ThreadState.SLEEPING, "futex")
    for extra in (CLOCK_TICKS // 2, CLOCK_TICKS):  # caught in a clone event's stop, twice in a row
        clock.now += 1
        write(tmp_path, TID, "t", 10 + extra)
        facts = s.sample().threads[TID]
        assert (facts.state, facts.wait_short, facts.stale) == (ThreadState.SLEEPING, "futex", False)
    assert facts.cpu_percent == 50.0


def test_a_job_control_stop_reads_as_stopped_when_the_tracer_says_so(tmp_path: Path):
    clock = FakeClock()
    stopped: set[int] = set()
    s = Sampler(PID, clock=clock, proc=str(tmp_path), job_stopped=stopped.__contains__)
    write(tmp_path, TID, "S", 10)
    s.sample()
    stopped.add(TID)
    clock.now += 1
    write(tmp_path, TID, "t", 11)
    assert s.sample().threads[TID].state is ThreadState.STOPPED


def test_a_new_thread_first_seen_in_a_tracer_stop_reads_as_running(tmp_path: Path):
    write(tmp_path, TID, "t", 10)  # its first stop, or its creator's clone event: it runs right after
    s = sampler(tmp_path, FakeClock())
    assert s.sample().threads[TID].state is ThreadState.RUNNING
    s.paused()  # but while the program is paused, it is paused
    write(tmp_path, TID + 1, "t", 10)
    assert s.sample().threads[TID + 1].state is ThreadState.TRACED


def test_paused_threads_show_their_facts_from_before_without_reading(tmp_path: Path):
    clock = FakeClock()
    s = sampler(tmp_path, clock)
    write(tmp_path, TID, "R", 10, syscall="running")
    s.sample()
    clock.now += 1
    write(tmp_path, TID, "R", 10 + CLOCK_TICKS)
    running = s.sample().threads[TID]
    assert running.state is ThreadState.RUNNING and running.cpu_percent == 100.0
    s.paused()
    write(tmp_path, TID, "t", 10 + CLOCK_TICKS)
    clock.now += 5
    during = s.sample()
    assert during.paused and during.threads[TID].stale
    assert during.threads[TID].state is ThreadState.RUNNING and during.threads[TID].cpu_percent == 100.0
    s.resumed()
    write(tmp_path, TID, "S", 10 + CLOCK_TICKS)
    clock.now += 1
    after = s.sample().threads[TID]
    assert not after.stale and after.state is ThreadState.SLEEPING


def test_a_thread_released_by_a_single_thread_continue_is_read_again(tmp_path: Path):
    clock = FakeClock()
    s = sampler(tmp_path, clock)
    write(tmp_path, TID, "S", 10)
    write(tmp_path, TID + 1, "S", 10)
    s.sample()
    s.paused()
    s.resumed([TID])
    write(tmp_path, TID, "R", 20, syscall="running")
    write(tmp_path, TID + 1, "t", 10)
    clock.now += 1
    threads = s.sample().threads
    assert threads[TID].state is ThreadState.RUNNING and not threads[TID].stale
    assert threads[TID + 1].stale and threads[TID + 1].state is ThreadState.SLEEPING


def test_an_unchanged_thread_is_not_read_again_but_its_counters_are_in_turn(tmp_path: Path):
    for share, expected in ((1000, 5), (3, 9)):
        clock = FakeClock()
        s = Sampler(PID, clock=clock, proc=str(tmp_path), status_share=share)
        write(tmp_path, TID, "S", 10)
        first = s.sample().threads[TID]
        task = tmp_path / str(PID) / "task" / str(TID)
        (task / "syscall").write_text("7 0x1 0x1 0x0 0x0 0x0 0x0 0x1 0x2\n")  # would be read as poll
        (task / "status").write_text("voluntary_ctxt_switches:\t9\nnonvoluntary_ctxt_switches:\t1\n")
        seen = []
        for _ in range(3):
            clock.now += 1
            seen.append(s.sample().threads[TID])
        assert all(f.syscall == first.syscall for f in seen)  # stat unchanged: the wait is not read again
        # ...but the counters are, for one thread in `share` per sample
        assert seen[-1].voluntary_switches == expected, share
        assert all(f.cpu_percent == 0.0 for f in seen)
