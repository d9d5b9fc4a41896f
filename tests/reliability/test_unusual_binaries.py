"""Unusual binaries: static, stripped, PIE and non-PIE, deleted or replaced after start, a symlink, a memfd,
an interpreted script. Each is attached to while it runs (`seed` built each way: testdata/Makefile) and must
give threads, a pause, call stacks as good as its symbols allow, a console line for what is unusual, and
the program's own result.

To keep the module short (it took 54 s), one adapter server (TCP, a session per connection: how editors
that keep an adapter running use it) serves every test, and each `seed` lives about 1.6 s: the test
pauses once the worker has printed its line and both threads sleep (not in a write or a clone).

Tests fail if an attach or a stack is refused for such a program, if frames of a deleted, replaced or memfd
executable are named from the file now at its path (missing: addresses only; replaced: another program's
names), if a stripped program's frames are not at least addresses, or if the console does not say what
is unusual.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from dap_client import DapClient
from procs import program, wait_until
from reliability_support import TcpAdapter, assert_exactly_once, live_tids, pause

from dap_threads.engine.syscalls import Abi, host_abi, name_of

#: main prints, starts one worker 50 ms later, which prints and sleeps 1.5 s; main lingers 1.5 s
SEED_ARGS = ["50", "1", "1500", "1500"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TcpAdapter]:
    adapter = TcpAdapter(tmp_path_factory.mktemp("unusual"))
    yield adapter
    adapter.stop()


@pytest.fixture
def dap(server: TcpAdapter) -> Iterator[DapClient]:
    """A new session of the module's adapter server (instead of a new adapter process per test)."""
    client = server.connect()
    client.initialize()
    yield client
    client.check_schema()
    client.close()


def console(dap) -> str:
    return "".join(e["body"]["output"] for e in dap.events("output"))


def frames_of(dap, tid: int) -> list[dict]:
    return dap.ok("stackTrace", {"threadId": tid})["body"]["stackFrames"]


def attach_pause_and_finish(dap, proc: subprocess.Popen[str], check_frames) -> None:
    """Attach, wait for the worker's line, pause, check the main thread's and the worker's frames, continue, end."""
    dap.attach(proc.pid)
    assert proc.stdout is not None and proc.stdout.readline().startswith("process:")  # the worker's line
    # The line comes before the worker's write returns, maybe before main is back from clone3:
    # pause once both sleep (the worker's life, main's linger).
    wait_until(lambda: all_sleep(proc.pid), what="main and the worker in their sleep")
    pause(dap, proc.pid)
    for tid in live_tids(dap)[:2]:
        check_frames(frames_of(dap, tid))
    dap.ok("continue", {"threadId": proc.pid})
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0 and out.strip().endswith("done")
    assert dap.wait_event("exited", timeout=10)["body"]["exitCode"] == 0
    assert_exactly_once(dap, ended=True)


def all_sleep(pid: int) -> bool:
    """Every thread is blocked in nanosleep (/proc/TID/syscall: the call's number, or "running")."""
    abi = host_abi() or Abi.X86_64
    calls = [Path(f"/proc/{pid}/task/{tid}/syscall").read_text().split()[0] for tid in os.listdir(f"/proc/{pid}/task")]
    return all(call.isdigit() and name_of(int(call), abi) in ("nanosleep", "clock_nanosleep") for call in calls)


def named_with_lines(frames: list[dict]) -> None:
    names = [f["name"] for f in frames]
    assert "sleep_ms" in names and ("main" in names or "worker_main" in names), names
    caller = frames[names.index("sleep_ms") + 1]
    assert caller["source"]["name"] == "seed.c" and caller["line"] > 0, caller


def addresses_only(frames: list[dict]) -> None:
    assert len(frames) >= 2, frames
    assert all(f["instructionPointerReference"].startswith("0x") for f in frames)


@pytest.mark.parametrize(
    "variant, check, note",
    [
        ("seed", named_with_lines, None),  # PIE: gcc's default
        ("seed-nopie", named_with_lines, None),
        ("seed-static", named_with_lines, None),
        ("seed-stripped", addresses_only, "is stripped (no .symtab)"),
        ("seed-static-stripped", addresses_only, "is statically linked and fully stripped"),
    ],
)
def test_static_stripped_pie_and_non_pie_programs(dap, programs, variant, check, note):
    """Each build gives threads, a pause and frames as good as its symbols; stripped ones say so."""
    proc = programs.start(variant, *SEED_ARGS, wait_line="process:")
    attach_pause_and_finish(dap, proc, check)
    if note is not None:
        assert note in console(dap)
    else:
        assert "stripped" not in console(dap)


def test_executable_deleted_after_start(dap, programs, tmp_path):
    """Frames are named from the running copy (/proc/PID/map_files) when the file is gone."""
    copy = tmp_path / "seedcopy"
    shutil.copy(program("seed"), copy)
    proc = programs.start(str(copy), *SEED_ARGS, wait_line="process:")
    copy.unlink()
    attach_pause_and_finish(dap, proc, named_with_lines)
    assert f"the executable of process {proc.pid}, {copy}, was deleted or replaced after it started" in console(dap)


def test_executable_replaced_after_start(dap, programs, tmp_path):
    """A new file renamed over the path (how package upgrades replace binaries) is not what runs."""
    copy = tmp_path / "seedcopy"
    shutil.copy(program("seed"), copy)
    proc = programs.start(str(copy), *SEED_ARGS, wait_line="process:")
    shutil.copy(program("exitcode"), tmp_path / "new")
    os.rename(tmp_path / "new", copy)
    attach_pause_and_finish(dap, proc, named_with_lines)
    assert "was deleted or replaced after it started" in console(dap)


def test_program_run_from_a_memfd(dap, programs):
    """fexecve from a memfd: no file on disk; frames from the running copy, a line that says so."""
    proc = programs.start("memfd_exec", program("seed"), *SEED_ARGS, wait_line="process:")
    attach_pause_and_finish(dap, proc, named_with_lines)
    assert dap.events("process")[0]["body"]["name"] == "/memfd:memfd_exec (deleted)"
    assert f"process {proc.pid} runs from a memfd ('memfd_exec'" in console(dap)


def test_program_started_through_a_symlink(dap, programs, tmp_path):
    """Launched by a symlink's name: the process is the real file, frames and result as usual."""
    link = tmp_path / "seedlink"
    link.symlink_to(program("seed"))
    proc = programs.start(str(link), *SEED_ARGS, wait_line="process:")
    attach_pause_and_finish(dap, proc, named_with_lines)
    assert dap.events("process")[0]["body"]["name"] == program("seed")


SCRIPT = """\
import sys, threading
go = threading.Event()
threads = [threading.Thread(target=go.wait, name=f"py-{n}") for n in range(3)]
for t in threads:
    t.start()
print("ready", flush=True)
sys.stdin.readline()  # the test says when: the threads live exactly as long as it needs them
go.set()
for t in threads:
    t.join()
print("done", flush=True)
"""


def test_interpreted_program_says_its_threads_are_the_interpreters(dap, tmp_path):
    """A Python script: the process event names the interpreter and a console line says what is shown."""
    script = Path(tmp_path / "threads_script.py")
    script.write_text(SCRIPT)
    proc = subprocess.Popen([sys.executable, str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
        dap.attach(proc.pid)
        assert f"running {script}: its threads, modules and call stacks are the interpreter's" in console(dap)
        assert len(live_tids(dap)) == 4
        pause(dap, proc.pid)
        assert any(f["name"] for f in frames_of(dap, live_tids(dap)[-1]))
        dap.ok("continue", {"threadId": proc.pid})
        out, _ = proc.communicate("go\n", timeout=60)
        assert proc.returncode == 0 and out == "done\n"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
