"""The sampler reports each thread of threadstates in the state and wait the program put it in.

threadstates holds one thread per role in a known state (a spinner, a pipe
read, a futex wait, a nanosleep, epoll_wait, accept, poll, and a vfork wait
in D) and prints each thread's tid and the fd or address it waits on, so the
decoded wait can be compared exactly. The program runs untraced and traced
(being traced must not change what it shows), then traced and paused, when
/proc says "t" for every thread and the sampler must show the facts from
before the pause.
"""

from __future__ import annotations

import asyncio
import os
import time

from observe_support import roles, traced
from procs import Programs, thread_states, wait_until

from dap_threads.observe.facts import ThreadFacts, ThreadState
from dap_threads.observe.sampler import Sampler, Snapshot

ALL_ROLES = ("spin", "read", "futex", "sleep", "epoll", "accept", "poll", "disk")


def expected_waits(found: dict[str, tuple[int, str]]) -> dict[str, tuple[str, str]]:
    """role -> (state letter, wait text), from what the program printed."""
    detail = {role: d for role, (_, d) in found.items()}
    waits = {
        "spin": ("R", ""),
        "read": ("S", f"read({detail.get('read')})"),
        "futex": ("S", f"futex({detail.get('futex')}, FUTEX_WAIT_PRIVATE)"),
        "sleep": ("S", "nanosleep"),
        "epoll": ("S", f"epoll_wait({detail.get('epoll')})"),
        "accept": ("S", f"accept({detail.get('accept')})"),
        "poll": ("S", "poll(1 fds)"),
        "disk": ("D", "clone(CLONE_VM|CLONE_VFORK|SIGCHLD)"),
    }
    return {role: waits[role] for role in found}


def schedstat_seconds(pid: int, tid: int) -> float:
    """CPU time from /proc/TID/schedstat (nanoseconds, another kernel counter than stat's ticks)."""
    with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
        return int(f.read().split()[0]) / 1e9


def settled(sampler: Sampler, found: dict[str, tuple[int, str]]) -> Snapshot | None:
    """A snapshot in which every role shows its expected state and wait, or None."""
    snapshot = sampler.sample()
    for role, (state, wait) in expected_waits(found).items():
        facts = snapshot.threads.get(found[role][0])
        if facts is None or (facts.state.letter, facts.wait) != (state, wait):
            return None
    return snapshot


def check_states(sampler: Sampler, pid: int, found: dict[str, tuple[int, str]]) -> dict[int, ThreadFacts]:
    """Assert every fact of every role thread over a one-second interval; return the facts."""
    # A thread printed its line just before entering its wait: give it a moment.
    try:
        wait_until(lambda: settled(sampler, found), timeout=10, interval=0.1, what="every role in its wait")
    except TimeoutError:
        pass  # the exact comparison below says which role is off
    spinner = found["spin"][0]
    before = schedstat_seconds(pid, spinner)
    start = time.monotonic()
    sampler.sample()
    time.sleep(1.0)
    snapshot = sampler.sample()
    kernel_percent = 100 * (schedstat_seconds(pid, spinner) - before) / (time.monotonic() - start)

    seen = {role: snapshot.threads[tid] for role, (tid, _) in found.items()}
    assert {role: (f.state.letter, f.wait) for role, f in seen.items()} == expected_waits(found)
    assert {role: f.name for role, f in seen.items()} == {role: role for role in found}
    for role, facts in seen.items():
        assert facts.cpu_percent is not None
        if role == "spin":
            # "Near 100" on an idle machine; on a shared one the spinner gets what the scheduler gives
            # it, which schedstat's nanosecond counter measures independently of stat's ticks.
            # Ticks of 10 ms over one second: a few points of rounding, and a tenth for the two clocks.
            tolerance = 3 + kernel_percent / 10
            assert abs(facts.cpu_percent - kernel_percent) <= tolerance, (facts.cpu_percent, kernel_percent)
            assert facts.cpu_percent > 15
            assert facts.wchan is None and facts.syscall is None
        else:
            assert facts.cpu_percent < 1.0, (role, facts.cpu_percent)
            assert facts.wchan, role  # a sleeping thread sleeps in some kernel function
            assert facts.voluntary_switches is not None and facts.voluntary_switches >= 1, role
        assert facts.involuntary_switches is not None
        assert 0 <= facts.last_cpu < (os.cpu_count() or 1)
        assert facts.affinity == cpu_list(os.sched_getaffinity(facts.tid))
        assert not facts.stale
    assert seen["spin"].cpu_time > 0
    return snapshot.threads


def cpu_list(cpus: set[int]) -> str:
    """The kernel's list format ("0-3,8") for a set of CPUs."""
    runs: list[list[int]] = []
    for cpu in sorted(cpus):
        if runs and cpu == runs[-1][1] + 1:
            runs[-1][1] = cpu
        else:
            runs.append([cpu, cpu])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def test_each_thread_reads_in_the_state_it_is_in(programs: Programs):
    proc = programs.start("threadstates", *ALL_ROLES)
    assert proc.stdout is not None
    lines = [proc.stdout.readline() for _ in range(len(ALL_ROLES) + 1)]
    assert lines[-1] == "ready\n", lines
    found = roles("".join(lines))
    facts = check_states(Sampler(proc.pid), proc.pid, found)
    main = facts[proc.pid]
    assert (main.name, main.state, main.wait) == ("threadstates", ThreadState.SLEEPING, "pause")


def test_traced_threads_read_the_same_and_keep_their_facts_while_paused():
    # The vfork waiter (D) cannot be interrupted by PTRACE_INTERRUPT (its sleep is
    # killable only), so a pause would wait for it: it stays out of this program.
    wanted = [role for role in ALL_ROLES if role != "disk"]

    async def scenario() -> None:
        async with traced("threadstates", *wanted) as program:
            await program.lines.until("^ready$")
            found = roles(program.lines.text)
            sampler = Sampler(program.pid)
            running = await asyncio.to_thread(check_states, sampler, program.pid, found)

            await program.pause()
            sampler.paused()
            assert set(thread_states(program.pid).values()) == {"t"}  # what /proc says now
            during = sampler.sample()
            assert during.paused
            for tid, facts in during.threads.items():
                assert facts.stale, tid
                assert (facts.state, facts.wait) == (running[tid].state, running[tid].wait)
            spin = found["spin"][0]
            assert during.threads[spin].state is ThreadState.RUNNING  # its state before the pause, not "t"
            details = sampler.details(spin)
            assert details is not None and details.involuntary_switches is not None

            program.resume()
            sampler.resumed()
            await asyncio.sleep(0.3)
            after = sampler.sample()
            assert not after.paused
            assert not any(facts.stale for facts in after.threads.values())
            assert after.threads[spin].state is ThreadState.RUNNING
            assert after.threads[spin].cpu_percent

    asyncio.run(scenario())


def test_threads_of_an_ended_process_leave_the_snapshot(programs: Programs):
    proc = programs.start("threadstates", "read")
    assert proc.stdout is not None
    line = proc.stdout.readline()
    tid = int(line.split()[2])
    sampler = Sampler(proc.pid)
    assert tid in sampler.sample().threads
    assert sampler.open_descriptors == 2  # main and the reader
    proc.kill()
    proc.wait()
    assert sampler.sample().threads == {}
    assert sampler.thread(tid) is None
    assert sampler.open_descriptors == 0
