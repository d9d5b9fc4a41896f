"""PID namespaces (containers): a program in one, attached from outside; the adapter inside one.

Inside a PID namespace a program knows itself and its threads by other ids than the adapter's (man 7
pid_namespaces; /proc/PID/status NSpid lists them, outermost first). The adapter acts on the ids it
sees, so those are the thread ids of events and `threads`; each thread's name adds the id the program
sees ("ns N"), and a console line says the program runs in a namespace. The program is `seed`, which
prints the ids it sees itself ("process: PID, thread: TID"), so the test can compare them.

Each test fails if ids from inside the namespace leak into events or requests (the adapter would act on
another process's threads, or on none), if the names lack the inner ids or give wrong ones, or if the
program's own output, status or exactly-once thread events differ from a plain attach.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from dap_client import AdapterProcess
from procs import program, wait_until
from reliability_support import HELD, assert_exactly_once, live_tids, pause, states_now

from dap_threads.engine.program_facts import namespace_ids

UNSHARE = shutil.which("unshare")

NAMESPACES = {
    "pid": ["--pid", "--fork", "--mount-proc"],
    # what a rootless container does: a user namespace mapping the user to root, and a PID namespace in it
    "user+pid": ["--user", "--map-root-user", "--pid", "--fork", "--mount-proc"],
}


def unshare_works(options: list[str]) -> str | None:
    """None if ``unshare OPTIONS true`` runs here, else why not."""
    if UNSHARE is None:
        return "no unshare(1) (util-linux)"
    result = subprocess.run([UNSHARE, *options, "true"], capture_output=True, text=True)
    return None if result.returncode == 0 else f"unshare {' '.join(options)} fails here: {result.stderr.strip()}"


def inner_program(unshare: subprocess.Popen[str]) -> int:
    """The host pid of the program unshare --fork started (unshare's only child)."""
    children: list[str] = []

    def found() -> bool:
        nonlocal children
        children = Path(f"/proc/{unshare.pid}/task/{unshare.pid}/children").read_text().split()
        return len(children) == 1

    wait_until(found, what="the program inside the namespace")
    return int(children[0])


def seen_ids(out: str) -> set[int]:
    """The thread ids seed printed (the ones it sees inside its namespace)."""
    return {int(tid) for tid in re.findall(r"process: \d+, thread: (\d+)", out)}


@pytest.mark.parametrize("kind", list(NAMESPACES))
def test_program_in_a_pid_namespace_attached_from_outside(dap, kind):
    """Thread ids are the adapter's (host) ids, names carry the namespace ids the program prints itself.

    Fails if `threads` or thread events carry the ids from inside the namespace, or the "ns N" in a
    name is not the id the thread knows itself by, or pause/continue/exit differ from a plain attach."""
    options = NAMESPACES[kind]
    why_not = unshare_works(options)
    if why_not:
        pytest.skip(why_not)
    unshare = subprocess.Popen(
        [UNSHARE, "--kill-child", *options, program("seed"), "150", "6", "300", "1500"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        pid = inner_program(unshare)
        assert unshare.stdout is not None
        assert unshare.stdout.readline().startswith("process: 1, thread: 1")
        dap.attach(pid)
        process = dap.wait_event("process")["body"]
        assert process["systemProcessId"] == pid
        console = "".join(e["body"]["output"] for e in dap.events("output"))
        assert f"process {pid} runs in a PID namespace (a container), where it is process 1" in console
        wait_until(lambda: len(live_tids(dap)) >= 2, what="a worker thread")
        shown = dap.ok("threads")["body"]["threads"]
        inner_names = {}
        for thread in shown:
            ids = namespace_ids(pid, thread["id"])  # also proves the id is a thread of ours, on the host
            assert ids and ids[0] == thread["id"], f"{thread} is not a host tid of {pid}"
            assert f"({thread['id']}, ns {ids[-1]})" in thread["name"], thread
            inner_names[thread["id"]] = ids[-1]
        pause(dap, pid)
        assert all(state == HELD for state in states_now(pid).values())
        dap.ok("continue", {"threadId": pid})
        out, _ = unshare.communicate(timeout=60)
        assert unshare.returncode == 0 and out.strip().endswith("done")
        assert set(inner_names.values()) <= seen_ids("process: 1, thread: 1\n" + out)
        assert dap.wait_event("exited", timeout=10)["body"]["exitCode"] == 0
        dap.wait_event("terminated")
        assert_exactly_once(dap, ended=True)
    finally:
        if unshare.poll() is None:
            unshare.kill()
        unshare.wait(10)


def stop_if_running(adapter: AdapterProcess) -> None:
    """The adapter inside the namespace, stopped if still there (unshare --kill-child ends the rest)."""
    if adapter.proc.poll() is None:
        try:
            adapter.stop(timeout=10)
        except subprocess.TimeoutExpired:
            pass


def test_adapter_inside_a_pid_namespace_attaches_to_a_program_in_the_same_one(tmp_path):
    """The adapter and the program share a namespace (the adapter started in a container): its ids are the
    program's own, and attach, threads, pause, continue and the program's end work as on the host.

    Fails if the adapter reads or acts on ids of another namespace (its /proc is the namespace's), if the
    program's threads get "ns" names (no other view to tell of), or the program's end is missed."""
    options = NAMESPACES["pid"]
    why_not = unshare_works(options)
    if why_not:
        pytest.skip(why_not)
    out_file = tmp_path / "seed.out"
    # sh is the namespace's init (pid 1): the program is pid 2, the adapter pid 3, a sibling as on a host.
    script = f'{program("seed")} 150 6 300 1500 > {out_file} & "$@"'
    adapter = AdapterProcess(tmp_path, prefix=[UNSHARE, "--kill-child", *options, "sh", "-c", script, "sh"])
    dap = adapter.client
    try:
        dap.initialize()
        wait_until(lambda: out_file.exists() and out_file.read_text().startswith("process: 2,"), what="seed")
        dap.attach(2)
        assert dap.wait_event("process")["body"]["systemProcessId"] == 2
        assert "PID namespace" not in "".join(e["body"]["output"] for e in dap.events("output"))
        wait_until(lambda: len(live_tids(dap)) >= 2, what="a worker thread")
        for thread in dap.ok("threads")["body"]["threads"]:
            assert f"({thread['id']})" in thread["name"] and ", ns " not in thread["name"], thread
        tids = live_tids(dap)
        pause(dap, 2)
        dap.ok("continue", {"threadId": 2})
        assert dap.wait_event("exited", timeout=60)["body"]["exitCode"] == 0
        dap.wait_event("terminated")
        out = out_file.read_text()
        assert out.strip().endswith("done") and set(tids) <= seen_ids(out)
        assert_exactly_once(dap, ended=True)
        dap.check_schema()
    finally:
        stop_if_running(adapter)


def test_tids_the_kernel_reuses_within_a_storm_are_each_a_new_thread(tmp_path):
    """Inside a PID namespace whose pid_max is 1,000 (per namespace since Linux 6.14), the adapter launches
    12,000 short threads in chains (each created by the thread before it), so every tid is reused about a
    dozen times while the adapter reads the storm.

    Fails if a newcomer is taken for the thread that had its tid before: the compiled helper kept "run"
    for a tid that had left the table (Python told it so while handling a batch whose later records held
    that thread's exit), resumed the newcomer's first stop before Python knew of it, and the thread the
    newcomer created then waited in its first stop forever: the program hangs (no `exited` within the
    timeout), or does not count all its threads, or an event is lost or doubled."""
    options = NAMESPACES["pid"]
    why_not = unshare_works(options)
    if why_not:
        pytest.skip(why_not)
    set_pid_max = "echo 4000 > /proc/sys/kernel/pid_max"
    probe = subprocess.run([UNSHARE, *options, "sh", "-c", set_pid_max], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"no pid_max of a PID namespace's own here (Linux 6.14+): {probe.stderr.strip()}")
    script = f'{set_pid_max} && "$@"'
    adapter = AdapterProcess(tmp_path, prefix=[UNSHARE, "--kill-child", *options, "sh", "-c", script, "sh"])
    dap = adapter.client
    try:
        dap.initialize()
        dap.launch(program("chains"), ["300", "60", "10"])
        code = dap.wait_event("exited", timeout=90)["body"]["exitCode"]
        dap.wait_event("terminated")
        output = "".join(e["body"]["output"] for e in dap.events("output") if e["body"].get("category") == "stdout")
        assert code == 0 and "chains: done 18000" in output, output
        history = assert_exactly_once(dap, ended=True)
        assert sum(len(reasons) for reasons in history.values()) == 2 * 18_001
        assert max(len(reasons) for reasons in history.values()) >= 4, "no tid was reused: the test proves nothing"
    finally:
        stop_if_running(adapter)
