"""Function names and file:line of every thread match the call chains written in the test programs' sources.

One `dap-threads stacks PID --json` per program (attach, stop, unwind, detach):
the chains are the ones of testdata/stacks/*, the lines those marked ``LINE:``.
"""

from __future__ import annotations

import pytest
from stacks_support import assert_chain, assert_untouched, binary, line_of, running, stacks_json, thread_stacks

C = "pool.c"


def c_chains(with_lines: bool, inline: bool) -> list[tuple[list[tuple[str, str | None, int | None]], int]]:
    """The chains of pool.c (innermost first) and how many threads have each."""

    def at(name: str, marker: str) -> tuple[str, str | None, int | None]:
        return (name, C, line_of(C, marker)) if with_lines else (name, None, None)

    worker = [at("wait_for_job", "next_job"), at("worker_loop", "wait_for_job"), ("start_thread", None, None)]
    if inline:
        worker.insert(0, at("next_job", "cond_wait"))
    return [
        (worker, 3),
        ([at("read_pipe", "read"), at("reader_loop", "read_pipe"), ("start_thread", None, None)], 1),
        ([at("nap", "nanosleep"), at("sleeper_loop", "nap"), ("start_thread", None, None)], 1),
        ([at("idle_main", "pause"), at("main", "idle_main")], 1),
    ]


@pytest.mark.parametrize(
    "build, with_lines",
    [("pool-O0", True), ("pool-O2", True), ("pool-nofp", True), ("pool-debuglink", True), ("pool-static", True)],
)
def test_c_builds_with_debug_info_give_names_lines_and_inline_frames(build: str, with_lines: bool) -> None:
    with running([str(binary(build))], "pool: ready") as proc:
        report = stacks_json(proc.pid)
        assert_untouched(proc.pid)
    assert report["threads"] == 6
    for chain, count in c_chains(with_lines, inline=True):
        assert_chain(report, chain, count)
    for frames in thread_stacks(report).values():
        assert not frames[-1].get("label"), frames  # every stack reached its outermost frame
    # The blocking call above the program's code is named, in libc (or in the program, when static).
    workers = [frames for frames in thread_stacks(report).values() if frames[0]["function"] != "__libc_pause"]
    assert any("pthread_cond_wait" in f["function"] for frames in workers for f in frames)


def test_c_build_without_debug_info_gives_symbol_names() -> None:
    with running([str(binary("pool-nodebug"))], "pool: ready") as proc:
        report = stacks_json(proc.pid)
    for chain, count in c_chains(with_lines=False, inline=False):
        assert_chain(report, chain, count)
    program = next(m for m in report["modules"] if m["name"].endswith("pool-nodebug"))
    assert program["symbols"] == "symbols loaded"


def test_stripped_program_frames_are_module_offsets_and_libc_still_has_names() -> None:
    with running([str(binary("pool-stripped"))], "pool: ready") as proc:
        report = stacks_json(proc.pid)
    program = next(m for m in report["modules"] if m["name"].endswith("pool-stripped"))
    assert program["symbols"] == "stripped"
    worker = next(
        frames for frames in thread_stacks(report).values() if any("cond_wait" in f["function"] for f in frames)
    )
    own = [f for f in worker if f.get("module", "").endswith("pool-stripped")]
    assert len(own) == 2 and all(f["function"].startswith("pool-stripped+0x") for f in own), worker
    assert worker[-2]["function"] == "start_thread"


def test_separate_debug_info_is_found_and_reported() -> None:
    with running([str(binary("pool-debuglink"))], "pool: ready") as proc:
        report = stacks_json(proc.pid)
    program = next(m for m in report["modules"] if m["name"].endswith("pool-debuglink"))
    assert program["symbols"] == "debug info (debuglink)"
    assert program["debug_file"].endswith("pool-debuglink.debug")
    assert program["build_id"] and len(program["build_id"]) >= 16


def test_cxx_namespaces_templates_lambdas_and_inline_functions() -> None:
    cpp = "pool.cpp"
    with running([str(binary("pool-cxx"))], "pool-cxx: ready") as proc:
        report = stacks_json(proc.pid)
    assert_chain(
        report,
        [
            ("pool::Queue<long>::pop", cpp, line_of(cpp, "cv_wait")),
            ("pool::take", cpp, line_of(cpp, "pop")),
            ("pool::worker_loop", cpp, line_of(cpp, "take")),
            ("main::{lambda}::operator()", cpp, line_of(cpp, "lambda_worker")),
        ],
        count=2,
    )
    assert_chain(
        report,
        [("pool::io::read_pipe", cpp, line_of(cpp, "read")), ("main::{lambda}::operator()", cpp, None)],
    )
    assert_chain(
        report,
        [("pool::Sleeper::nap", cpp, line_of(cpp, "sleep_for")), ("main::{lambda}::operator()", cpp, None)],
    )
    workers = [f for frames in thread_stacks(report).values() for f in frames]
    assert any(f["function"].startswith("std::condition_variable::wait<") for f in workers)


def test_go_goroutine_thread_and_runtime_threads() -> None:
    go = "pool.go"
    with running([str(binary("pool-go"))], "pool-go: ready") as proc:
        report = stacks_json(proc.pid)
        assert_untouched(proc.pid)
    assert_chain(
        report,
        [
            ("main.readPipe", go, line_of(go, "read")),
            ("main.readerLoop", go, line_of(go, "readPipe")),
        ],
    )
    names = {f["function"] for frames in thread_stacks(report).values() for f in frames}
    assert "syscall.Read" in names or "syscall.read" in names
    assert any(name.startswith("runtime.") for name in names)


@pytest.mark.parametrize("build", ["pool-rust", "pool-rust-v0"])
def test_rust_names_demangled_legacy_and_v0(build: str) -> None:
    rs = "pool.rs"
    with running([str(binary(build))], "pool-rust: ready") as proc:
        report = stacks_json(proc.pid)
    assert_chain(
        report,
        [
            ("pool::pool::wait_for_job", rs, line_of(rs, "wait")),
            ("pool::pool::worker_loop", rs, line_of(rs, "wait_for_job")),
        ],
        count=2,
    )
    assert_chain(
        report,
        [("pool::pool::read_pipe", rs, line_of(rs, "read")), ("pool::pool::reader_loop", rs, line_of(rs, "read_pipe"))],
    )
    assert_chain(
        report, [("pool::pool::nap", rs, line_of(rs, "sleep")), ("pool::pool::sleeper_loop", rs, line_of(rs, "nap"))]
    )
    names = [f["function"] for frames in thread_stacks(report).values() for f in frames]
    assert not [n for n in names if n.startswith(("_ZN", "_R")) or "17h" in n], "mangled names left"
    # The standard library's functions are nested in namespaces in Rust's DWARF; their inline frames count too.
    worker = next(frames for frames in thread_stacks(report).values() if "pool::pool::worker_loop" in str(frames))
    inline = [f["function"] for f in worker if f.get("inlined")]
    assert "std::sys::pal::unix::futex::futex_wait" in inline, inline


def test_tail_call_frames_from_dwarf_call_sites() -> None:
    # glibc's __futex_abstimed_wait_cancelable64 ends with a jump to __futex_abstimed_wait_common: no frame
    # of its own on the stack, but its DWARF call site says so, and gdb shows it: so do we.
    with running([str(binary("pool-O2"))], "pool: ready") as proc:
        report = stacks_json(proc.pid)
    libc = next(m for m in report["modules"] if m["name"].endswith("/libc.so.6"))
    if libc["symbols"] != "debug info (build-id)":
        pytest.skip("libc's debug info is not installed (apt-get install libc6-dbg)")
    worker = next(frames for frames in thread_stacks(report).values() if "worker_loop" in str(frames))
    names = [f["function"] for f in worker]
    at = names.index("__futex_abstimed_wait_common")
    tail = worker[at + 1]
    assert tail["function"] == "__GI___futex_abstimed_wait_cancelable64" and tail.get("tail_call"), worker
    assert tail["file"].endswith("futex-internal.c") and tail["line"] > 0
    assert names[at + 2] == "__pthread_cond_wait_common"
    # Only there: no other frame of the pool is a tail call.
    assert sum(bool(f.get("tail_call")) for frames in thread_stacks(report).values() for f in frames) == 3
