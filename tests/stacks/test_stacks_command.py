"""`dap-threads stacks PID`: grouped text and JSON, stacks that end early, a JVM, no libdw; the program runs on."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from procs import REPO
from stacks_support import (
    BUILD,
    assert_untouched,
    binary,
    line_of,
    running,
    stacks_json,
    thread_stacks,
)


def stacks_text(pid: int, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dap_threads", "stacks", str(pid), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_text_groups_identical_stacks_with_their_thread_count() -> None:
    with running([str(binary("pool-O2")), "5"], "pool: ready") as proc:
        out = stacks_text(proc.pid)
        assert_untouched(proc.pid)
    assert out.returncode == 0, out.stderr
    line = line_of("pool.c", "wait_for_job")
    assert f"process {proc.pid} (pool-O2): 8 threads, 4 distinct stacks" in out.stdout
    heading = next(text for text in out.stdout.splitlines() if text.startswith("5 threads: "))
    assert f"← worker_loop (pool.c:{line}) ← start_thread" in heading
    assert "pthread_cond_wait" in heading
    assert heading.index("pthread_cond_wait") < heading.index("wait_for_job")


def test_json_has_groups_frames_and_modules() -> None:
    with running([str(binary("pool-O2"))], "pool: ready") as proc:
        report = stacks_json(proc.pid)
        assert_untouched(proc.pid)
    assert report["pid"] == proc.pid and report["threads"] == 6
    assert [g["count"] for g in report["groups"]] == [3, 1, 1, 1]
    assert sorted(tid for g in report["groups"] for tid in g["tids"])[0] == proc.pid
    frame = next(f for g in report["groups"] for f in g["frames"] if f["function"] == "worker_loop")
    assert frame["file"].endswith("testdata/stacks/pool.c") and frame["module"].endswith("pool-O2")
    assert int(frame["pc"], 16) > 0 and frame["module_offset"].startswith("0x")
    # The callers below the program's own code are subtle; what it is blocked in above is not.
    worker = next(g["frames"] for g in report["groups"] if g["count"] == 3)
    assert [f["function"] for f in worker if f.get("subtle")] == ["start_thread", "__clone3"]
    names = {m["name"].rsplit("/", 1)[-1]: m for m in report["modules"]}
    assert names["pool-O2"]["symbols"] == "symbols loaded"
    libc = names["libc.so.6"]
    assert libc["build_id"] and libc["symbols"] in ("debug info (build-id)", "symbols loaded", "stripped")


def test_a_corrupt_stack_ends_with_a_label_and_the_other_threads_are_whole() -> None:
    with running([str(binary("corrupt"))], "corrupt: ready") as proc:
        report = stacks_json(proc.pid)
        assert_untouched(proc.pid)
    stacks = thread_stacks(report)
    by_function = {
        name: frames
        for frames in stacks.values()
        for name in ("smash_and_wait", "loop_and_wait", "healthy_thread")
        if any(f["function"] == name for f in frames)
    }
    smashed = by_function["smash_and_wait"]
    assert smashed[-2]["pc"] == "0x4141414141414141"
    assert smashed[-1].get("label") and "no code is mapped at 0x4141414141414141" in smashed[-1]["function"]
    looping = by_function["loop_and_wait"]
    assert looping[-1].get("label") and "frame repeats" in looping[-1]["function"]
    assert len(looping) < 10  # stopped at the first repeat, not at the depth limit
    healthy = [frames for frames in stacks.values() if any(f["function"] == "healthy_wait" for f in frames)]
    assert len(healthy) == 3
    assert all(not frames[-1].get("label") for frames in healthy)


def test_depth_limit_ends_with_a_label() -> None:
    with running([str(binary("pool-O2"))], "pool: ready") as proc:
        report = stacks_json(proc.pid, "--max-frames", "3")
    for frames in thread_stacks(report).values():
        assert frames[-1].get("label") and "3 frames, the depth limit" in frames[-1]["function"]


def test_without_libdw_the_top_frame_and_a_note_naming_the_package() -> None:
    with running([str(binary("pool-O2"))], "pool: ready") as proc:
        report = stacks_json(proc.pid, env={"DAP_THREADS_LIBDW": "/nonexistent/libdw.so.1"})
        assert_untouched(proc.pid)
    assert "libdw1" in report["notice"]
    for frames in thread_stacks(report).values():
        assert len(frames) == 2 and frames[-1].get("label") and "libdw1" in frames[-1]["function"]
    tops = {frames[0]["function"] for frames in thread_stacks(report).values()}
    assert "pause" in tops or "__libc_pause" in tops or "__GI___libc_pause" in tops, tops


def test_jvm_stacks_end_cleanly_at_generated_code() -> None:
    java = shutil.which("java")
    if java is None or not (BUILD / "java" / "Pool.class").exists():
        pytest.skip("no JDK (apt-get install default-jdk-headless), or Pool.class not built")
    with running([java, "-cp", str(BUILD / "java"), "Pool"], "pool-java: ready", running_ok=3) as proc:
        report = stacks_json(proc.pid, timeout=120)
        assert_untouched(proc.pid)
    stacks = thread_stacks(report)
    assert len(stacks) >= 10
    labels = [frames[-1]["function"] for frames in stacks.values() if frames[-1].get("label")]
    assert any("no code is mapped" in label for label in labels), labels
    native = {f["function"] for frames in stacks.values() for f in frames}
    assert "JVM_Sleep" in native or "JavaThread::sleep" in native or "os::PlatformEvent::park" in native


def test_bad_pid_is_an_error_message_not_a_traceback() -> None:
    out = stacks_text(2**22 + 12345)
    assert out.returncode == 1
    assert "no such process" in out.stderr and "Traceback" not in out.stderr
