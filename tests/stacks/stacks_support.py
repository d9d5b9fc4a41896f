"""Helpers of the stack tests: the test programs, `dap-threads stacks --json`, gdb and eu-stack, and comparing them.

Every stack here is read from a real process on the real kernel, by the real
command; gdb and eu-stack read the same process one after the other, never
two tracers at once (a thread has one tracer: the second attach would fail).
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from procs import REPO, thread_states, tracer_pid

SOURCES = REPO / "testdata" / "stacks"
BUILD = REPO / "testdata" / "build" / "stacks"

#: Programs whose toolchain may be missing, and the Debian package that brings it.
TOOLCHAINS = {
    "pool-cxx": "g++",
    "pool-go": "golang-go",
    "pool-rust": "rustc",
    "pool-rust-v0": "rustc",
}


def line_of(source: str, marker: str) -> int:
    """The line of ``source`` (in testdata/stacks) that carries the comment ``LINE:marker``."""
    for number, text in enumerate((SOURCES / source).read_text().splitlines(), 1):
        if re.search(rf"LINE:{re.escape(marker)}\b", text):
            return number
    raise AssertionError(f"no LINE:{marker} in {source}")


def binary(name: str) -> Path:
    path = BUILD / name
    if not path.exists():
        package = TOOLCHAINS.get(name)
        if package:
            pytest.skip(f"{name} was not built: its toolchain is missing (apt-get install {package})")
        raise AssertionError(f"{path} is missing: run make -C testdata")
    return path


@contextmanager
def running(
    argv: Sequence[str], ready: str, timeout: float = 20, running_ok: int = 0
) -> Iterator[subprocess.Popen[str]]:
    """Start a program, wait for its ready line and for its threads to block, and kill it at the end."""
    proc = subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert ready in line, f"{argv[0]} printed {line!r}, expected {ready!r}"
        wait_blocked(proc.pid, timeout, running_ok)
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


def wait_blocked(pid: int, timeout: float, running_ok: int = 0) -> None:
    """Until every thread but ``running_ok`` sleeps (S): each has reached its blocking call."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = thread_states(pid)
        if states and sum(state != "S" for state in states.values()) <= running_ok:
            return
        time.sleep(0.02)
    raise AssertionError(f"the threads of {pid} did not all block: {thread_states(pid)}")


def stacks_json(pid: int, *args: str, env: dict[str, str] | None = None, timeout: float = 60) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "dap_threads", "stacks", str(pid), "--json", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
    assert out.returncode == 0, f"dap-threads stacks failed ({out.returncode}): {out.stderr}"
    report: dict[str, Any] = json.loads(out.stdout)
    return report


def thread_stacks(report: dict[str, Any]) -> dict[int, list[dict[str, Any]]]:
    """tid -> frames, from the grouped JSON."""
    return {tid: group["frames"] for group in report["groups"] for tid in group["tids"]}


def find_chain(frames: list[dict[str, Any]], chain: Sequence[tuple[str, str | None, int | None]]) -> int:
    """Index of the first frame of ``chain`` (function, source file name or None, line or None) run
    contiguously in ``frames``, or -1."""
    names = [f["function"] for f in frames]
    first = chain[0][0]
    for start in (i for i, name in enumerate(names) if name == first):
        window = frames[start : start + len(chain)]
        if len(window) == len(chain) and all(_matches(f, want) for f, want in zip(window, chain)):
            return start
    return -1


def _matches(frame: dict[str, Any], want: tuple[str, str | None, int | None]) -> bool:
    name, file, line = want
    if frame["function"] != name:
        return False
    if file is not None and os.path.basename(frame.get("file", "")) != file:
        return False
    return line is None or frame.get("line") == line


def assert_chain(report: dict[str, Any], chain: Sequence[tuple[str, str | None, int | None]], count: int = 1) -> None:
    """``count`` threads have ``chain`` in their stack."""
    stacks = thread_stacks(report)
    having = [tid for tid, frames in stacks.items() if find_chain(frames, chain) >= 0]
    if len(having) != count:
        shown = "\n".join(group["summary"] for group in report["groups"])
        raise AssertionError(f"{len(having)} threads have {chain}, expected {count}; stacks:\n{shown}")


def assert_untouched(pid: int) -> None:
    """After the command: the program runs on, untraced, no thread left stopped."""
    assert tracer_pid(pid) == 0
    states = thread_states(pid)
    assert states and not any(state in "tTZX" for state in states.values()), states


# ----- the other tools, and agreement ------------------------------------------------------


def gdb_stacks(pid: int) -> dict[int, list[str]]:
    """tid -> function names, from `gdb -batch -ex "thread apply all bt"` (gdb's own default: up to main)."""
    out = subprocess.run(
        ["gdb", "-nx", "-batch", "-p", str(pid), "-ex", "set pagination off", "-ex", "thread apply all bt"],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    stacks: dict[int, list[str]] = {}
    current: list[str] | None = None
    for line in out.splitlines():
        header = re.match(r"Thread \d+ \(.*?LWP (\d+)", line)
        if header:
            current = stacks.setdefault(int(header.group(1)), [])
            continue
        frame = re.match(r"#\d+\s+(?:0x[0-9a-f]+ in )?(.+?)(?: \(.*)?$", line)
        if frame and current is not None:
            current.append(_gdb_name(line))
    return stacks


def _gdb_name(line: str) -> str:
    body = re.sub(r"^#\d+\s+(0x[0-9a-f]+ in )?", "", line)
    # gdb: "name (arg=value, ...) at file:line"; the name may hold parentheses of its own
    # (C++ parameter lists, {lambda()#1}), but is separated from the arguments by " (".
    return body.split(" (", 1)[0].strip()


def eu_stack_stacks(pid: int) -> dict[int, list[str]]:
    """tid -> function names, from `eu-stack -i -p PID` (inline frames shown, as ours and gdb's)."""
    out = subprocess.run(["eu-stack", "-i", "-p", str(pid)], capture_output=True, text=True, timeout=120).stdout
    stacks: dict[int, list[str]] = {}
    current: list[str] | None = None
    for line in out.splitlines():
        header = re.match(r"TID (\d+):", line)
        if header:
            current = stacks.setdefault(int(header.group(1)), [])
            continue
        frame = re.match(r"#\d+\s+0x[0-9a-f]+\s*(.*)$", line)
        if frame and current is not None:
            current.append(frame.group(1).split(" - ")[0].strip() or "??")
    return stacks


def normalize(name: str) -> str:
    """One spelling for names the tools spell differently but mean the same.

    Symbol versions (pthread_cond_wait@@GLIBC_2.3.2) and parameter lists go;
    leading underscores go (libc's aliases: __clone3 and clone3 are one
    address); lambdas are {lambda} whatever the tool's numbering; a frame
    without a name (our module+0xoffset, a bare address) is "??" as in gdb.
    Rust: closures are {closure} (legacy mangling cannot number them, v0 and
    gdb do), generic arguments go (gdb adds them from DWARF, often cut short
    by its argument list), and an inherent impl's ``<T>::f`` is ``T::f``.
    """
    from dap_threads.stacks.demangle import drop_parameters

    name = name.split("@", 1)[0] if "@" in name[1:] else name
    if not name or name == "??" or re.fullmatch(r"0x[0-9a-f]+|.+\+0x[0-9a-f]+", name):
        return "??"
    name = re.sub(r"\{lambda\(.*?\)#\d+\}|<lambda\(.*?\)>", "{lambda}", drop_parameters(name))
    name = re.sub(r"\.abi\d$", "", name)  # Go's assembly ABI wrappers: runtime.futex.abi0 is runtime.futex
    name = re.sub(r"\{\{closure\}\}|\{closure#\d+\}", "{closure}", name)
    name = _without_generic_arguments(name)
    name = re.sub(r"^<([^<> ]+)>::", r"\1::", name)
    return name.lstrip("_")


def _without_generic_arguments(name: str) -> str:
    """``wait<u64>``/``wait::<u64>`` are ``wait``; a list cut short (``f<a::b,``) goes; ``<T as Tr>::f`` stays."""
    if "operator" in name:
        return name
    name = name.replace("::<", "<")  # Rust's turbofish (v0 demangling)
    out, depth = [], 0
    for i, char in enumerate(name):
        if char == "<" and (depth or (i and (name[i - 1].isalnum() or name[i - 1] in "_}"))):
            depth += 1
        elif char == ">" and depth:
            depth -= 1
        elif not depth:
            out.append(char)
    return "".join(out)


def ours_as_names(report: dict[str, Any]) -> dict[int, list[str]]:
    return {tid: [f["function"] for f in frames if not f.get("label")] for tid, frames in thread_stacks(report).items()}


def agreement(ours: dict[int, list[str]], theirs: dict[int, list[str]], upto_main: bool) -> tuple[int, int]:
    """(frames that agree, frames compared) over the threads both tools read.

    Frames are aligned (difflib) so that one extra frame on either side (gdb's
    tail-call frames) costs that frame, not every frame after it; the count
    compared is the longer stack's. With ``upto_main``, our frames past
    ``main`` are left out, as gdb stops there by default (backtrace past-main).
    """
    agreed = compared = 0
    for tid, names in ours.items():
        if tid not in theirs:
            continue
        mine = [normalize(n) for n in names]
        if upto_main and "main" in mine:
            mine = mine[: mine.index("main") + 1]
        other = [normalize(n) for n in theirs[tid]]
        matcher = difflib.SequenceMatcher(a=mine, b=other, autojunk=False)
        agreed += sum(block.size for block in matcher.get_matching_blocks())
        compared += max(len(mine), len(other))
    return agreed, compared


def have(tool: str, package: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed (apt-get install {package})")
