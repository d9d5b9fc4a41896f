"""Call stacks through DAP: stackTrace, scopes, source, modules, readMemory, disassemble, `bt` / `bt all`.

Each test attaches the real adapter (stdio, every message checked against the
DAP schema by the test client) to a stack test program (testdata/stacks)
whose threads block in known call chains, pauses it, and asks.
"""

from __future__ import annotations

import base64
import itertools
import os
import platform
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from stacks_support import SOURCES, binary, line_of, running

POOL_C = str(SOURCES / "pool.c")


@contextmanager
def paused(dap: Any, build: str = "pool-O2", *args: str, ready: str = "pool: ready") -> Iterator[int]:
    """The program started, its threads blocked, attached and paused; yields its pid."""
    with running([str(binary(build)), *args], ready) as proc:
        dap.attach(proc.pid, stopOnAttach=True)
        dap.wait_event("stopped")
        yield proc.pid


def stack(dap: Any, tid: int, **paging: int) -> dict[str, Any]:
    body: dict[str, Any] = dap.ok("stackTrace", {"threadId": tid, **paging})["body"]
    return body


def thread_with(dap: Any, function: str) -> tuple[int, list[dict[str, Any]]]:
    """(tid, frames) of the first thread whose stack has ``function``."""
    for thread in dap.ok("threads")["body"]["threads"]:
        frames = stack(dap, thread["id"])["stackFrames"]
        if any(f["name"] == function for f in frames):
            return thread["id"], frames
    raise AssertionError(f"no thread has {function} in its stack")


def by_name(frames: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(f for f in frames if f["name"] == name)


# ----- stackTrace ---------------------------------------------------------------------------


def test_stack_trace_pages_with_start_frame_and_levels_and_counts_every_frame(dap):
    with paused(dap):
        tid, frames = thread_with(dap, "worker_loop")
        total = len(frames)
        assert total >= 8
        first = stack(dap, tid, startFrame=0, levels=1)
        assert first["totalFrames"] == total and len(first["stackFrames"]) == 1
        middle = stack(dap, tid, startFrame=2, levels=3)
        assert middle["totalFrames"] == total
        assert middle["stackFrames"] == frames[2:5]  # same ids, names and lines as the whole stack's
        rest = stack(dap, tid, startFrame=1)
        assert [f["id"] for f in rest["stackFrames"]] == [f["id"] for f in frames[1:]]
        assert stack(dap, tid, startFrame=total + 5, levels=10)["stackFrames"] == []
        assert stack(dap, tid, levels=0)["stackFrames"] == frames  # levels 0: all (DAP)
        capabilities = dap.received[0]
        assert capabilities["command"] == "initialize"
        assert capabilities["body"]["supportsDelayedStackTraceLoading"] is True


def test_stack_trace_names_the_chain_with_files_and_lines_and_inline_frames(dap):
    with paused(dap):
        _tid, frames = thread_with(dap, "worker_loop")
    names = [f["name"] for f in frames]
    at = names.index("next_job")
    assert names[at : at + 4] == ["next_job", "wait_for_job", "worker_loop", "start_thread"]
    expected_lines = {"next_job": "cond_wait", "wait_for_job": "next_job", "worker_loop": "wait_for_job"}
    for name, marker in expected_lines.items():
        frame = by_name(frames, name)
        assert frame["source"] == {"name": "pool.c", "path": POOL_C}, frame
        assert frame["line"] == line_of("pool.c", marker) and frame["column"] >= 1
    # next_job is inlined into wait_for_job: a frame of its own at the same instruction.
    assert (
        by_name(frames, "next_job")["instructionPointerReference"]
        == (by_name(frames, "wait_for_job")["instructionPointerReference"])
    )
    # The blocking call above the program's code is named; libc's sources are not on this machine.
    assert any("pthread_cond_wait" in name for name in names[:at])
    for frame in frames[:at]:
        assert "source" not in frame and frame["line"] == 0 and frame["column"] == 0
        assert int(frame["instructionPointerReference"], 16) > 0
    for frame in frames:
        path = frame.get("source", {}).get("path", "")
        assert not path.endswith((".so.6", "pool-O2")), "an ELF file given as a source"
        assert frame["line"] > 0 or "source" not in frame


def test_subtle_frames_below_the_program_and_label_frames_where_unwinding_stopped(dap):
    with paused(dap):
        _, frames = thread_with(dap, "worker_loop")
    hints = {f["name"]: f.get("presentationHint") for f in frames}
    assert hints["start_thread"] == "subtle" and hints["__clone3"] == "subtle"
    assert hints["worker_loop"] is None
    assert all(hints[name] is None for name in hints if "pthread_cond_wait" in name)


def test_a_corrupt_stack_ends_with_a_label_frame(dap):
    with paused(dap, "corrupt", ready="corrupt: ready"):
        _, frames = thread_with(dap, "smash_and_wait")
    label = frames[-1]
    assert label["presentationHint"] == "label" and "no code is mapped at 0x4141414141414141" in label["name"]
    assert "source" not in label and "instructionPointerReference" not in label and label["line"] == 0


def test_frame_ids_stay_the_same_within_a_stop_and_expire_when_the_program_resumes(dap):
    with paused(dap) as pid:
        tid, frames = thread_with(dap, "worker_loop")
        again = stack(dap, tid)["stackFrames"]
        assert [f["id"] for f in again] == [f["id"] for f in frames]
        scope = dap.ok("scopes", {"frameId": frames[0]["id"]})["body"]["scopes"][0]
        dap.ok("continue", {"threadId": pid})
        running = dap.request("stackTrace", {"threadId": tid})
        assert not running["success"] and "running" in running["message"] and "pause" in running["message"]
        stale = dap.request("scopes", {"frameId": frames[0]["id"]})
        assert not stale["success"] and "until the program resumes" in stale["message"]
        stale = dap.request("variables", {"variablesReference": scope["variablesReference"]})
        assert not stale["success"] and "until the program resumes" in stale["message"]


def test_each_stop_reads_the_stacks_afresh(dap, programs):
    # spin's threads alternate busy loops and nanosleep: over a few stops, some stack must change.
    spin = programs.start("spin", 4, -1, wait_line="spin: ready")
    dap.attach(spin.pid, stopOnAttach=True)
    dap.wait_event("stopped")
    tids = [t["id"] for t in dap.ok("threads")["body"]["threads"] if t["id"] != spin.pid]

    def stacks() -> list[list[tuple[str, str]]]:
        found = []
        for tid in tids:
            frames = stack(dap, tid)["stackFrames"]
            found.append([(f["name"], f.get("instructionPointerReference", "")) for f in frames])
        return found

    first = stacks()
    assert stacks() == first  # within one stop: the same
    for _ in range(20):
        mark = len(dap.received)
        dap.ok("continue", {"threadId": spin.pid})
        time.sleep(0.02)
        dap.ok("pause", {"threadId": spin.pid})
        dap.wait_event("stopped", start=mark)
        if stacks() != first:
            return
    raise AssertionError("20 stops of spinning threads, and every stack stayed the same: stale stacks?")


# ----- scopes: registers per frame -----------------------------------------------------------


def registers(dap: Any, frame: dict[str, Any]) -> dict[str, int]:
    scopes = dap.ok("scopes", {"frameId": frame["id"]})["body"]["scopes"]
    assert [s["name"] for s in scopes] == ["Registers"] and scopes[0]["presentationHint"] == "registers"
    variables = dap.ok("variables", {"variablesReference": scopes[0]["variablesReference"]})["body"]["variables"]
    return {v["name"]: int(v["value"], 16) for v in variables}


@pytest.mark.skipif(platform.machine() != "x86_64", reason="register names of x86_64")
def test_each_frame_has_its_restored_registers_return_address_and_cfa(dap):
    with paused(dap, "pool-nofp"):
        _, frames = thread_with(dap, "worker_loop")
        values = [registers(dap, frame) for frame in frames]
    checked = 0
    for level, frame in enumerate(frames[:-1]):
        own = values[level]
        assert own["rip"] == int(frame["instructionPointerReference"], 16)
        if "rsp" not in own:
            continue  # a tail-call frame: no registers of its own
        # The caller: the next frame at another instruction with registers of its own (inline frames
        # share their physical frame's; a tail-call frame in between has none).
        ip = frame["instructionPointerReference"]
        caller = next(
            (
                i
                for i in range(level + 1, len(frames))
                if frames[i]["instructionPointerReference"] != ip and "rsp" in values[i]
            ),
            None,
        )
        if caller is None:
            continue
        assert own["return address"] == int(frames[caller]["instructionPointerReference"], 16)
        assert own["CFA"] == values[caller]["rsp"], "the CFA is the caller's stack pointer"
        assert own["rsp"] < own["CFA"]
        checked += 1
    assert checked >= 5
    # The top frame has every register; a caller only what the CFI restores (rax is clobbered by calls).
    assert {"rax", "eflags", "fs_base"} <= set(values[0])
    worker = values[[f["name"] for f in frames].index("worker_loop")]
    assert "rax" not in worker and {"rbx", "rbp", "r12", "rsp", "rip"} <= set(worker)


# ----- source ----------------------------------------------------------------------------------


def test_source_serves_a_file_a_frame_named_and_nothing_else(dap):
    with paused(dap):
        thread_with(dap, "worker_loop")
        response = dap.ok("source", {"sourceReference": 0, "source": {"path": POOL_C, "name": "pool.c"}})
        assert response["body"]["content"] == open(POOL_C).read()
        other = dap.request("source", {"sourceReference": 0, "source": {"path": "/etc/passwd"}})
        assert not other["success"] and "not named by any stack frame" in other["message"]
        by_reference = dap.request("source", {"sourceReference": 7})
        assert not by_reference["success"] and "'path'" in by_reference["message"]


# ----- modules ---------------------------------------------------------------------------------


def test_module_events_come_before_the_stop_and_frames_name_only_told_modules(dap):
    with paused(dap):
        stopped_at = next(i for i, msg in enumerate(dap.received) if msg.get("event") == "stopped")
        told = [msg["body"] for msg in dap.received[:stopped_at] if msg.get("event") == "module"]
        assert told and all(event["reason"] == "new" for event in told)
        modules = {event["module"]["name"]: event["module"] for event in told}
        program = modules["pool-O2"]
        assert program["path"] == str(binary("pool-O2")) and program["symbolStatus"] == "symbols loaded"
        assert program["isUserCode"] is True and len(program["id"]) >= 32  # the build-id
        start, end = (int(x, 16) for x in program["addressRange"].split("-"))
        assert start < end
        libc = modules["libc.so.6"]
        assert libc["isUserCode"] is False
        if os.path.isdir("/usr/lib/debug/.build-id"):
            assert libc["symbolStatus"] in ("debug info (build-id)", "stripped")
        listed = dap.ok("modules")["body"]
        assert listed["totalModules"] == len(told)
        assert {m["id"] for m in listed["modules"]} == {m["id"] for m in modules.values()}
        page = dap.ok("modules", {"startModule": 1, "moduleCount": 2})["body"]
        assert page["modules"] == listed["modules"][1:3]
        _, frames = thread_with(dap, "worker_loop")
        ids = {m["id"] for m in modules.values()}
        assert all(f["moduleId"] in ids for f in frames if "moduleId" in f)
        assert by_name(frames, "worker_loop")["moduleId"] == program["id"]
        assert dap.received[0]["body"]["supportsModulesRequest"] is True


def test_separate_debug_info_is_the_symbol_status(dap):
    with paused(dap, "pool-debuglink"):
        told = {e["body"]["module"]["name"]: e["body"]["module"] for e in dap.events("module")}
    program = told["pool-debuglink"]
    assert program["symbolStatus"] == "debug info (debuglink)"
    assert program["symbolFilePath"] == str(binary("pool-debuglink")) + ".debug"


def test_modules_loaded_after_a_launch_are_told_at_the_next_stop(dap):
    with_program = str(binary("pool-O2"))
    dap.ok("launch", {"program": with_program, "stopOnEntry": True})
    dap.ok("configurationDone")
    dap.wait_event("stopped", reason="entry")
    at_entry = {e["body"]["module"]["name"] for e in dap.events("module")}
    assert "pool-O2" in at_entry and "libc.so.6" not in at_entry  # ld.so has not loaded it yet
    pid = dap.events("process")[0]["body"]["systemProcessId"]
    dap.ok("continue", {"threadId": pid})
    dap.wait_for(lambda m: m.get("event") == "output" and "pool: ready" in m["body"]["output"], timeout=20)
    mark = len(dap.received)
    dap.ok("pause", {"threadId": pid})
    stopped = dap.wait_event("stopped", start=mark)
    later = [m for m in dap.received[mark : dap.received.index(stopped)] if m.get("event") == "module"]
    assert any(m["body"]["reason"] == "new" and m["body"]["module"]["name"] == "libc.so.6" for m in later)
    dap.ok("terminate")


def test_an_exec_replaces_the_modules_told(dap):
    pool = str(binary("pool-O2"))
    dap.launch("/bin/sh", ["-c", f"exec {pool}"], stopOnEntry=True)  # held at its start: its modules are told
    pid = dap.wait_event("stopped", reason="entry")["body"]["threadId"]
    dap.ok("continue", {"threadId": pid})
    ready = dap.wait_for(lambda m: m.get("event") == "output" and "pool: ready" in m["body"]["output"], timeout=20)
    before_ready = dap.received[: dap.received.index(ready)]
    events = [(m["body"]["reason"], m["body"]["module"]) for m in before_ready if m.get("event") == "module"]
    shell = os.path.basename(os.path.realpath("/bin/sh"))
    assert ("new", shell) in [(reason, module["name"]) for reason, module in events]
    # Told when the exec happened: before the new program could get anywhere.
    after_exec = [(reason, module["name"]) for reason, module in events[[r for r, _ in events].index("new") + 1 :]]
    assert ("removed", shell) in after_exec and ("new", "pool-O2") in after_exec, events
    dap.ok("terminate")


# ----- readMemory and disassemble ---------------------------------------------------------------


def rodata_address(module: dict[str, Any], path: str, needle: bytes) -> int:
    """The loaded address of ``needle`` in the file's .rodata (the program is PIE: vaddr + load start)."""
    from elftools.elf.elffile import ELFFile

    with open(path, "rb") as f:
        section = ELFFile(f).get_section_by_name(".rodata")
        offset = section.data().index(needle)
        return int(module["addressRange"].split("-")[0], 16) + section["sh_addr"] + offset


def test_read_memory_returns_a_known_string_and_says_where_memory_ends(dap):
    with paused(dap) as pid:
        program = next(e["body"]["module"] for e in dap.events("module") if e["body"]["module"]["name"] == "pool-O2")
        address = rodata_address(program, program["path"], b"pool: ready")
        body = dap.ok("readMemory", {"memoryReference": f"{address:#x}", "count": 11})["body"]
        assert base64.b64decode(body["data"]) == b"pool: ready" and int(body["address"], 16) == address
        assert "unreadableBytes" not in body
        shifted = dap.ok("readMemory", {"memoryReference": str(address - 2), "offset": 2, "count": 4})["body"]
        assert base64.b64decode(shifted["data"]) == b"pool"
        # Across the end of a mapping followed by a hole: the readable part, then the unreadable count.
        end = gap_after_a_mapping(pid)
        body = dap.ok("readMemory", {"memoryReference": f"{end - 8:#x}", "count": 24})["body"]
        assert len(base64.b64decode(body["data"])) == 8 and body["unreadableBytes"] == 16
        nothing = dap.ok("readMemory", {"memoryReference": "0x10", "count": 16})["body"]
        assert nothing["data"] == "" and nothing["unreadableBytes"] == 16
        for bad in ("main", "0xzz", ""):
            response = dap.request("readMemory", {"memoryReference": bad, "count": 4})
            assert not response["success"] and "must be an address" in response["message"]
        too_much = dap.request("readMemory", {"memoryReference": "0x1000", "count": 2**31})
        assert not too_much["success"] and "'count'" in too_much["message"]


def gap_after_a_mapping(pid: int) -> int:
    """The end of a readable mapping that the next mapping does not follow at once."""
    spans = []
    for line in open(f"/proc/{pid}/maps"):
        fields = line.split()
        start, end = (int(x, 16) for x in fields[0].split("-"))
        spans.append((start, end, fields[1].startswith("r")))
    for (_, end, readable), (next_start, _, _) in itertools.pairwise(spans):
        if readable and next_start >= end + 16:
            return end
    raise AssertionError("no mapping followed by a hole")


def test_disassemble_around_a_libc_frame_names_its_function_and_instructions(dap):
    with paused(dap):
        _, frames = thread_with(dap, "worker_loop")
        # The physical frame of the futex syscall: the last (outermost) of the frames at the top's address.
        futex = [f for f in frames if f["instructionPointerReference"] == frames[0]["instructionPointerReference"]][-1]
        ip = int(futex["instructionPointerReference"], 16)
        body = dap.ok(
            "disassemble",
            {
                "memoryReference": futex["instructionPointerReference"],
                "instructionOffset": -10,
                "instructionCount": 20,
                "resolveSymbols": True,
            },
        )["body"]
        program_frame = by_name(frames, "worker_loop")
        around_own = {"memoryReference": program_frame["instructionPointerReference"], "instructionCount": 8}
        own = dap.ok("disassemble", {**around_own, "instructionOffset": -4})["body"]["instructions"]
        unmapped = dap.ok("disassemble", {"memoryReference": "0x10", "instructionCount": 5})["body"]["instructions"]
        bad = dap.request("disassemble", {"memoryReference": "worker_loop", "instructionCount": 5})
        huge = dap.request("disassemble", {"memoryReference": "0x1000", "instructionCount": 10**6})
    instructions = body["instructions"]
    assert len(instructions) == 20
    addresses = [int(i["address"], 16) for i in instructions]
    assert addresses == sorted(addresses) and len(set(addresses)) == 20
    assert addresses[10] == ip
    assert all(a + len(i["instructionBytes"].split()) == b for a, b, i in zip(addresses, addresses[1:], instructions))
    if platform.machine() == "x86_64":
        assert instructions[9]["instruction"] == "syscall"  # the thread sleeps in the futex syscall
    assert all(i.get("presentationHint") != "invalid" for i in instructions)
    assert instructions[10]["symbol"].startswith(futex["name"]), instructions[10]
    # The program's own code has its source lines.
    assert len(own) == 8 and int(own[4]["address"], 16) == int(program_frame["instructionPointerReference"], 16)
    assert any(i.get("location", {}).get("path") == POOL_C and i.get("line") for i in own)
    assert own[4]["symbol"].startswith("worker_loop")
    assert len(unmapped) == 5 and all(i["presentationHint"] == "invalid" for i in unmapped)
    assert not bad["success"] and "must be an address" in bad["message"]
    assert not huge["success"] and "'instructionCount'" in huge["message"]
    assert dap.received[0]["body"]["supportsDisassembleRequest"] is True


# ----- bt / bt all in the debug console ------------------------------------------------------------


def evaluate(dap: Any, expression: str, **extra: Any) -> dict[str, Any]:
    response: dict[str, Any] = dap.request("evaluate", {"expression": expression, "context": "repl", **extra})
    return response


def test_bt_all_groups_identical_threads_and_bt_shows_the_selected_thread(dap):
    with paused(dap, "pool-O2", "5") as pid:
        text = evaluate(dap, "bt all")["body"]["result"]
        tid, frames = thread_with(dap, "reader_loop")
        one = evaluate(dap, "bt", frameId=frames[2]["id"])["body"]["result"]
        dap.ok("continue", {"threadId": pid})
        while_running = evaluate(dap, "bt all")
    lines = text.splitlines()
    assert lines[0].startswith(f"process {pid} (pool-O2): 8 threads, 4 distinct stacks")
    heading = next(line for line in lines if line.startswith("5 threads: "))
    assert f"worker_loop (pool.c:{line_of('pool.c', 'wait_for_job')})" in heading
    assert sum(line.startswith("1 thread: ") for line in lines) == 3
    assert one.splitlines()[0] == f"Thread {tid} (pool-O2):"
    assert any("in read_pipe at " + POOL_C + f":{line_of('pool.c', 'read')}" in line for line in one.splitlines())
    assert not while_running["success"] and "pause it first" in while_running["message"]


def test_evaluate_says_what_it_understands(dap):
    with paused(dap):
        for expression, context in (("1 + 1", "repl"), ("x", "watch"), ("bt", "hover")):
            response = evaluate(dap, expression, context=context)
            assert not response["success"]
            assert "'bt'" in response["message"] and "'bt all'" in response["message"]
        unselected = evaluate(dap, "bt")
        assert not unselected["success"] and "select a thread" in unselected["message"]
    capabilities = dap.received[0]["body"]
    assert "supportsEvaluateForHovers" not in capabilities


def test_without_libdw_the_top_frame_a_label_and_an_output_event_naming_the_package(tmp_path, monkeypatch):
    from dap_client import AdapterProcess

    monkeypatch.setenv("DAP_THREADS_LIBDW", "/nonexistent/libdw.so.1")
    adapter = AdapterProcess(tmp_path)
    dap = adapter.client
    try:
        dap.initialize()
        with paused(dap) as pid:
            frames = stack(dap, pid)["stackFrames"]
            notice = dap.wait_for(lambda m: m.get("event") == "output" and "libdw1" in m["body"]["output"])
        assert notice["body"]["category"] == "important"
        assert len(frames) == 2 and "pause" in frames[0]["name"]
        assert frames[1]["presentationHint"] == "label" and "libdw1" in frames[1]["name"]
        dap.check_schema()
    finally:
        adapter.stop()
