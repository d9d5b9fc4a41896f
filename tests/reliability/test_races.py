"""Promise 5 — races: threads that come and go while the adapter acts never hang it or skew events.

- a thread that exits while pause is interrupting it (PTRACE_INTERRUPT gets
  ESRCH, or the exit arrives instead of the stop);
- a thread created while pause is in progress (a clone in flight: the creator
  stops in PTRACE_EVENT_CLONE after the interrupts were sent);
- exec from a non-main thread (the kernel kills the other threads and gives
  the execing thread the leader's tid);
- the main thread exiting with pthread_exit while others run (a zombie leader
  that never stops and is reported only when the process ends).

How these fail when the promise breaks:
- pause waiting for a thread that is gone or can never stop: no `stopped`
  event (timeout), or every later request stuck behind it;
- a clone in flight not held: after `stopped`, a thread of the program still
  runs (state not "t" in /proc), or is missing from `threads`;
- exec bookkeeping wrong: the former tid never `exited`, the leader announced
  twice or exited twice, or the adapter hangs on the vanished threads;
- the zombie leader counted as alive: `threads` lists it, pause never
  completes, or its `exited` comes twice (once from /proc, once at the end).
"""

from __future__ import annotations

import json
import socket
import threading
import time

from procs import program, wait_until
from reliability_support import (
    DEAD,
    HELD,
    StormRecord,
    assert_exactly_once,
    live_tids,
    pause,
    states_now,
    stdout_of,
    untraced,
)


def assert_paused_completely(client, pid: int) -> None:
    """After `stopped`: every thread of the program is held, and `threads` names exactly those."""
    states = states_now(pid)
    escaped = {tid: s for tid, s in states.items() if s != HELD and s not in DEAD}
    assert not escaped, f"threads still running after the stopped event: {escaped}"
    held = {tid for tid, s in states.items() if s == HELD}
    listed = set(live_tids(client))
    assert held <= listed, f"held threads missing from `threads`: {sorted(held - listed)[:10]}"
    ghosts = listed - set(states)
    assert not ghosts, f"`threads` lists tids that no longer exist: {sorted(ghosts)[:10]}"


def test_pause_during_a_thread_storm_holds_every_thread_including_clones_in_flight(dap, tmp_path):
    """30 pauses in a storm where main keeps cloning bursts of 64 threads that live 20 ms:
    pauses land while clones are in flight, and a thread that escaped the all-stop
    would still be alive (and not "t") when /proc is read right after `stopped`."""
    record = StormRecord(tmp_path)
    try:
        dap.launch(program("storm"), ["8000", "64", "--hold-ms", "20"], env=record.env)
        pid = dap.events("process")[0]["body"]["systemProcessId"]
        pauses = 0
        while pauses < 30 and not any("storm:" in m["body"]["output"] for m in dap.events("output")):
            pause(dap, pid)
            pauses += 1
            assert_paused_completely(dap, pid)
            dap.ok("continue", {"threadId": pid})
            time.sleep(0.007 * (pauses % 5))
        assert pauses >= 15, "the storm ended before the pauses could race it; the test proves nothing"
        dap.wait_for(
            lambda m: m.get("event") == "output" and "storm:" in m["body"]["output"], timeout=120, what="storm's result"
        )
        rows = record.collect()
    finally:
        record.release()
    assert dap.wait_event("exited", timeout=30)["body"]["exitCode"] == 0
    dap.wait_event("terminated")
    assert stdout_of(dap) == "storm: threads=8000 sum=31996000\n"
    assert len(rows) == 8000
    assert_exactly_once(dap, ended=True)
    assert len(dap.thread_events("started")) == 8001


def test_pause_while_threads_create_threads_holds_every_one(dap, tmp_path):
    """Pauses while testdata/chains runs 16 chains of threads, each creating its successor
    (never the main thread) after 5 ms: a new thread held too late would run and clone on,
    unnoticed. Checked two ways: /proc right after `stopped`, and no thread of the
    program starting (by its own clock) between a `stopped` event and the next `continue`."""
    record = tmp_path / "chains.txt"
    dap.launch(program("chains"), ["16", "300", "5"], env={"CHAINS_RECORD": str(record)})
    pid = dap.events("process")[0]["body"]["systemProcessId"]
    dap.wait_for(lambda m: m.get("event") == "output" and "ready" in m["body"]["output"], what="chains ready")
    windows = []
    while len(windows) < 25 and not any("done" in m["body"]["output"] for m in dap.events("output")):
        pause(dap, pid)
        held_from = time.monotonic_ns()
        assert_paused_completely(dap, pid)
        time.sleep(0.01)
        windows.append((held_from, time.monotonic_ns()))
        dap.ok("continue", {"threadId": pid})
        time.sleep(0.005 * (len(windows) % 4))
    assert len(windows) >= 10, "chains ended before the pauses could race it"
    dap.wait_for(
        lambda m: m.get("event") == "output" and "chains: done 4800" in m["body"]["output"],
        timeout=60,
        what="chains done",
    )
    rows = [tuple(map(int, line.split())) for line in record.read_text().splitlines()]
    ran_while_paused = [(tid, ns) for tid, ns in rows for start, end in windows if start < ns < end]
    assert not ran_while_paused, f"threads started while the program was paused: {ran_while_paused[:5]}"
    assert dap.wait_event("exited", timeout=30)["body"]["exitCode"] == 0
    dap.wait_event("terminated", timeout=10)
    assert_exactly_once(dap, ended=True)


class RawClient:
    """A client that does not parse what it receives (the schema-checking test client needs
    ~0.1 ms per message, so behind 20,000 thread events it would measure itself)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.data = bytearray()
        self.lock = threading.Lock()
        self.seq = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                chunk = self.sock.recv(1 << 20)
            except OSError:
                return
            if not chunk:
                return
            with self.lock:
                self.data += chunk

    def request(self, command: str, arguments: dict | None = None) -> int:
        self.seq += 1
        body = json.dumps({"seq": self.seq, "type": "request", "command": command, "arguments": arguments or {}})
        self.sock.sendall(b"Content-Length: %d\r\n\r\n%s" % (len(body), body.encode()))
        return self.seq

    def wait(self, marker: bytes, after: int = 0, timeout: float = 60) -> int:
        """Wait for marker in what was received past offset ``after``; its offset."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                at = self.data.find(marker, after)
            if at >= 0:
                return at
            time.sleep(0.002)
        raise TimeoutError(f"{marker!r} not received within {timeout} s")

    def call(self, command: str, arguments: dict | None = None, timeout: float = 60) -> int:
        seq = self.request(command, arguments)
        return self.wait(b'"request_seq":%d,' % seq, timeout=timeout)


def test_requests_are_answered_promptly_while_hundreds_of_threads_keep_creating_threads(tcp_adapter, programs):
    """testdata/chains with 300 chains: ~300 threads alive, each creating its successor
    after ~10 ms, so clone events never stop coming. The adapter must still answer
    each request within a second (a pause: stopped within two), while the program runs."""
    client = RawClient(tcp_adapter.port)
    client.call("initialize", {"adapterID": "dap-threads"})
    chains = programs.start("chains", 300, 120, 10)
    assert chains.stdout.readline() == "chains: ready\n"
    time.sleep(0.05)
    client.call("attach", {"pid": chains.pid})
    latencies = {}

    def timed(what: str, call) -> None:
        started = time.monotonic()
        call()
        latencies[what] = (
            round(time.monotonic() - started, 2),
            "program still running" if chains.poll() is None else "answered after the program ended",
        )

    timed("configurationDone", lambda: client.call("configurationDone"))
    for n in range(3):
        timed(f"threads #{n}", lambda: client.call("threads"))
    if chains.poll() is None:

        def pause_until_stopped():
            at = client.call("pause", {"threadId": chains.pid})
            client.wait(b'"event":"stopped"', after=at)

        timed("pause until stopped", pause_until_stopped)
        client.call("continue", {"threadId": chains.pid})
    out, _ = chains.communicate(timeout=120)
    client.sock.close()
    assert chains.returncode == 0 and out == "chains: done 36000\n"
    slow = {
        what: t
        for what, t in latencies.items()
        if t[0] > (2.0 if what.startswith("pause") else 1.0) or t[1] != "program still running"
    }
    assert not slow, f"requests starved while the program floods the adapter with clone events: {slow}"


def test_pause_as_threads_exit_answers_every_time(dap, programs):
    """seed threads live 2 ms each: pauses keep landing on threads in the middle of exiting."""
    seed = programs.start("seed", 1, 3000, 0, 2, wait_line="process:")
    dap.attach(seed.pid)
    for n in range(30):
        pause(dap, seed.pid)
        assert_paused_completely(dap, seed.pid)
        dap.ok("continue", {"threadId": seed.pid})
        time.sleep(0.003 * (n % 5))
    seed.kill()
    seed.wait(10)
    dap.wait_event("terminated", timeout=10)
    assert_exactly_once(dap, ended=True)


def test_exec_from_a_non_main_thread_keeps_events_exactly_once_attached(dap, programs):
    expected = untraced("execer", "thread", 6)
    assert expected.returncode == 0
    execer = programs.start("execer", "thread", 6, wait_line="before exec")
    dap.attach(execer.pid)
    out, err = execer.communicate(timeout=30)
    assert execer.returncode == 0, err
    assert out.startswith("execer: exec from thread tid=") and out.endswith(
        f"after exec, pid={execer.pid} tid={execer.pid}\n"
    )
    dap.wait_event("terminated", timeout=10)
    history = assert_exactly_once(dap, ended=True)
    former = int(out.split("tid=")[1].split()[0])
    assert history[former] == ["started", "exited"]
    assert history[execer.pid] == ["started", "exited"], "the leader's tid, taken over by the exec, is one thread"
    assert len(history) == 7


def test_exec_from_a_non_main_thread_launched_and_paused_around_the_exec(dap):
    """Pauses before, across and after the exec: none may hang, and the program ends normally."""
    dap.launch(program("execer"), ["thread", "5"])
    pid = dap.events("process")[0]["body"]["systemProcessId"]
    deadline = time.monotonic() + 10
    pauses = 0
    while not dap.events("exited") and time.monotonic() < deadline:
        response = dap.request("pause", {"threadId": pid}, timeout=10)
        if not response["success"]:
            break  # the program ended between our check and the request: a clear error, fine
        mark = dap.received.index(response)
        dap.wait_for(
            lambda m: m.get("event") in ("stopped", "exited"),
            start=mark,
            timeout=10,
            what="stopped (or exited) after pause",
        )
        pauses += 1
        if dap.events("exited"):
            break
        assert_paused_completely(dap, pid)
        response = dap.request("continue", {"threadId": pid}, timeout=10)
        assert response["success"] or dap.events("exited")
        time.sleep(0.02)
    assert pauses >= 3
    assert dap.wait_event("exited", timeout=20)["body"]["exitCode"] == 0
    dap.wait_event("terminated")
    assert stdout_of(dap).endswith(f"after exec, pid={pid} tid={pid}\n")
    assert_exactly_once(dap, ended=True)


def test_leader_exiting_with_pthread_exit_while_others_run_neither_hangs_pause_nor_doubles_events(dap):
    dap.launch(program("leader_exit"), ["4", "1500"])
    pid = dap.events("process")[0]["body"]["systemProcessId"]
    wait_until(lambda: states_now(pid).get(pid) in DEAD, what="zombie leader")
    # The zombie leader is gone for the user, and a pause does not wait for it.
    wait_until(lambda: pid not in live_tids(dap), timeout=5, what="leader left the thread list")
    workers = live_tids(dap)
    assert len(workers) == 4
    stopped = pause(dap, workers[0])
    assert stopped["body"]["threadId"] == workers[0]
    assert all(states_now(pid)[t] == HELD for t in workers)
    dap.ok("continue", {"threadId": workers[0]})
    assert dap.wait_event("exited", timeout=30)["body"]["exitCode"] == 0
    dap.wait_event("terminated")
    assert stdout_of(dap).splitlines()[1:] == [f"worker {n} done" for n in range(1, 5)]
    history = assert_exactly_once(dap, ended=True)
    assert history[pid] == ["started", "exited"], "the zombie leader must exit once, not again at the end"
    assert len(history) == 5


def test_pause_with_a_zombie_leader_completes_without_asking_for_threads_first(dap):
    """The leader is a zombie before anything looked at /proc: the pause itself must
    notice that it will never stop (the kernel reports nothing for it)."""
    dap.launch(program("leader_exit"), ["3", "1500"])
    pid = dap.events("process")[0]["body"]["systemProcessId"]
    wait_until(lambda: states_now(pid).get(pid) in DEAD, what="zombie leader")

    # The leader can turn zombie before the client has read the workers' started events.
    def announced_workers() -> list[int]:
        return [t for t in dap.thread_events("started") if t != pid]

    wait_until(lambda: len(announced_workers()) >= 3, what="three workers announced")
    workers = announced_workers()
    assert len(workers) == 3
    pause(dap, workers[-1], timeout=5)
    assert all(states_now(pid)[t] == HELD for t in workers)
    assert pid not in live_tids(dap)
    dap.ok("continue", {"threadId": workers[-1]})
    assert dap.wait_event("exited", timeout=30)["body"]["exitCode"] == 0
    dap.wait_event("terminated")
    assert assert_exactly_once(dap, ended=True)[pid] == ["started", "exited"]


def test_attach_to_a_process_whose_main_thread_already_exited_traces_the_rest(dap, programs):
    """Attach seizes the live threads of a process whose leader is a zombie, shows the leader as exited
    (started then exited, and a console line that says why), and ends the process with its last thread.

    Fails if attach refuses such a process or tries to seize the leader (EPERM), lists the leader as
    alive, or waits for the leader's exit status (never reported to a non-parent): no `exited`, no
    `terminated`, the session hangs."""
    leader = programs.start("leader_exit", 4, 1500, wait_line="leader_exit: pid=")
    wait_until(
        lambda: states_now(leader.pid).get(leader.pid) in DEAD and len(states_now(leader.pid)) == 5,
        what="zombie leader with 4 live workers",
    )
    dap.attach(leader.pid)
    workers = live_tids(dap)
    assert sorted(workers) == sorted(t for t in states_now(leader.pid) if t != leader.pid)
    console = "".join(e["body"]["output"] for e in dap.events("output"))
    assert f"main thread of process {leader.pid} has exited (pthread_exit)" in console
    pause(dap, workers[0])
    assert all(states_now(leader.pid)[t] == HELD for t in workers)
    dap.ok("continue", {"threadId": workers[0]})
    out, _ = leader.communicate(timeout=30)
    assert leader.returncode == 0 and out == "".join(f"worker {n} done\n" for n in range(1, 5))
    assert dap.wait_event("exited", timeout=10)["body"]["exitCode"] == 0
    dap.wait_event("terminated", timeout=10)
    assert assert_exactly_once(dap, ended=True)[leader.pid] == ["started", "exited"]


def test_detach_from_a_process_whose_main_thread_already_exited_leaves_it_running(dap, programs):
    """Disconnect after such an attach lets every worker go: the program ends as untraced, nothing held.

    Fails if detach stops at the untraced leader (PTRACE_DETACH: ESRCH) before letting the workers go."""
    leader = programs.start("leader_exit", 3, 1500, wait_line="leader_exit: pid=")
    wait_until(lambda: states_now(leader.pid).get(leader.pid) in DEAD, what="zombie leader")
    dap.attach(leader.pid)
    pause(dap, live_tids(dap)[0])
    dap.ok("disconnect")
    out, _ = leader.communicate(timeout=30)
    assert leader.returncode == 0 and out == "".join(f"worker {n} done\n" for n in range(1, 4))


def test_leader_exiting_with_pthread_exit_launched_ends_normally(dap):
    dap.launch(program("leader_exit"), ["6", "300"])
    assert dap.wait_event("exited", timeout=30)["body"]["exitCode"] == 0
    dap.wait_event("terminated")
    out = stdout_of(dap)
    assert out.splitlines()[1:] == [f"worker {n} done" for n in range(1, 7)]
    history = assert_exactly_once(dap, ended=True)
    assert len(history) == 7
