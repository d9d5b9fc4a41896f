"""32-bit programs (``gcc -m32``) on an x86_64 kernel: registers, stacks and syscall names in their own ABI.

A compat task's registers are the i386 ``user_regs_struct`` (PTRACE_GETREGSET fills 17 32-bit words and
says so in iov_len), its DWARF register numbers are i386's, and its system calls are numbered from the
i386 table (man 2 syscall). Reading any of these with the host's 64-bit layout gives plausible-looking
garbage, so each test compares against what the program's own ABI says.

The programs are `seed` and `signals` built with -m32 (testdata/Makefile, where gcc-multilib is
installed); the tests skip with the reason otherwise.
"""

from __future__ import annotations

import os

import pytest
from procs import program, wait_until
from reliability_support import assert_exactly_once, live_tids, pause, stdout_of, untraced

SEED32 = program("seed-m32")

pytestmark = pytest.mark.skipif(
    not os.path.exists(SEED32), reason="no 32-bit test programs: gcc -m32 cannot link here (install gcc-multilib)"
)


def set_syscall_catch(dap, condition: str | None) -> None:
    options = [{"filterId": "syscall", "condition": condition}] if condition else []
    dap.ok("setExceptionBreakpoints", {"filters": [], "filterOptions": options})


def registers_of(dap, frame_id: int) -> dict[str, str]:
    scopes = dap.ok("scopes", {"frameId": frame_id})["body"]["scopes"]
    reference = next(s["variablesReference"] for s in scopes if s["name"] == "Registers")
    return {v["name"]: v["value"] for v in dap.ok("variables", {"variablesReference": reference})["body"]["variables"]}


def test_32bit_program_registers_stacks_and_process_event(dap):
    """pointerSize 32, a console line, frames named from the program's DWARF with lines, and registers in the
    i386 layout whose eip is the innermost frame's pc and whose esp is a 32-bit stack address.

    Fails if registers are read in the x86_64 layout (rip/rsp names, 64-bit values made of two i386
    registers), if frame registers use the x86_64 DWARF map, or if the process event says 64 bits."""
    dap.launch(SEED32, ["200", "3", "3000", "3000"])
    dap.ok("configurationDone")
    process = dap.wait_event("process")["body"]
    assert process["pointerSize"] == 32
    assert "is a 32-bit program" in "".join(e["body"]["output"] for e in dap.events("output"))
    wait_until(lambda: len(live_tids(dap)) >= 2, what="a worker thread")
    pid = process["systemProcessId"]
    pause(dap, pid)
    for tid in live_tids(dap)[:2]:
        frames = dap.ok("stackTrace", {"threadId": tid})["body"]["stackFrames"]
        names = [f["name"] for f in frames]
        assert "sleep_ms" in names and ("main" in names or "worker_main" in names), names
        caller = frames[names.index("sleep_ms") + 1]
        assert caller["source"]["name"] == "seed.c" and caller["line"] > 0
        regs = registers_of(dap, frames[0]["id"])
        assert {"eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp", "eip", "orig_eax"} <= set(regs)
        assert not {"rip", "rsp", "rax"} & set(regs), regs
        assert all(len(value) == 10 for value in regs.values()), regs  # 0x + 8 hex digits
        assert int(regs["eip"], 16) == int(frames[0]["instructionPointerReference"], 16)
        assert int(regs["esp"], 16) < 2**32 and int(regs["CFA"], 16) > int(regs["esp"], 16)
        # the frame of the caller: i386 callee-saved registers, restored by the i386 DWARF map
        caller_regs = registers_of(dap, frames[1]["id"])
        assert "esp" in caller_regs and "eip" in caller_regs and "rsp" not in caller_regs, caller_regs
    # the disassembly view decodes i386 code: the innermost frame is in __kernel_vsyscall (push %ecx,
    # push %ebp, mov %esp,%ebp, sysenter, int $0x80, ...), which 64-bit decoding reads as %rcx, %rbp, ...
    frames = dap.ok("stackTrace", {"threadId": pid})["body"]["stackFrames"]
    pc = frames[0]["instructionPointerReference"]
    window = dap.ok("disassemble", {"memoryReference": pc, "instructionOffset": -4, "instructionCount": 8})
    texts = [i["instruction"] for i in window["body"]["instructions"]]
    assert any(t.startswith(("int $0x80", "sysenter")) for t in texts), texts
    assert any("%e" in t for t in texts) and not any("%r" in t for t in texts), texts
    dap.ok("continue", {"threadId": pid})
    assert dap.wait_event("exited", timeout=60)["body"]["exitCode"] == 0
    assert stdout_of(dap).strip().endswith("done")
    assert_exactly_once(dap, ended=True)


def test_32bit_syscall_catchpoint_names_calls_from_the_i386_table(dap):
    """A catchpoint on `clock_nanosleep` stops a 32-bit program at the i386 call of that name.

    Fails if the call number is looked up in the x86_64 table (i386's 267, clock_nanosleep, reads as
    x86_64's readlinkat), or the catchpoint never fires (the name matched against the wrong table)."""
    dap.launch(SEED32, ["100", "2", "200", "100"])
    set_syscall_catch(dap, "clock_nanosleep, clock_nanosleep_time64")
    dap.ok("configurationDone")
    stop = dap.wait_event("stopped", timeout=20)["body"]
    assert "clock_nanosleep" in stop["text"] and "readlinkat" not in stop["text"], stop
    set_syscall_catch(dap, None)
    dap.ok("continue", {"threadId": stop["threadId"]})
    assert dap.wait_event("exited", timeout=60)["body"]["exitCode"] == 0


def test_32bit_signal_heavy_program_traced_gives_the_untraced_result(dap):
    """Signals of a 32-bit program (compat signal frames, RT payloads) pass through unchanged.

    Fails if the adapter mangles a compat task's signal delivery (wrong siginfo, a lost signal)."""
    expected = untraced("signals-m32")
    assert expected.returncode == 0, expected.stderr
    dap.launch(program("signals-m32"))
    dap.ok("configurationDone")
    assert dap.wait_event("exited", timeout=60)["body"]["exitCode"] == expected.returncode
    dap.wait_event("terminated")
    assert stdout_of(dap) == expected.stdout
