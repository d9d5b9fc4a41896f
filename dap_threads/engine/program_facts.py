"""What is unusual about a traced program, read from /proc and its ELF headers, in words for its user.

The adapter shows every program the same way; some differ in ways the user
must be told of once, at attach or launch, or they would misread what they
see: a main thread that has already exited, ids that differ inside a PID
namespace, a 32-bit program, an executable deleted or replaced since it
started, a program run from a memfd, a script whose threads and modules are
its interpreter's. These reads need no ptrace and may run on any thread.
"""

from __future__ import annotations

import os
import re

import attrs
from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

from . import procfs

#: Programs whose threads and modules are an interpreter's when they run a script (matched on the
#: executable's name, as ``python3.11`` or ``node``).
INTERPRETER = re.compile(r"(python|pypy|perl|ruby|node|bash|sh|dash|zsh|lua|php|tclsh)[0-9.]*")


@attrs.frozen
class ElfFacts:
    #: 32 or 64
    bits: int
    #: no program interpreter (PT_INTERP): statically linked
    static: bool
    #: no .symtab: only exported (.dynsym) names, if any
    stripped: bool


def elf_facts(pid: int) -> ElfFacts | None:
    """Read through /proc/PID/exe, which opens the running file even when deleted, replaced or a memfd."""
    try:
        with open(f"/proc/{pid}/exe", "rb") as f:
            elf = ELFFile(f)
            static = not any(segment["p_type"] == "PT_INTERP" for segment in elf.iter_segments())
            return ElfFacts(bits=elf.elfclass, static=static, stripped=elf.get_section_by_name(".symtab") is None)
    except (OSError, ELFError):
        return None


def pointer_size(pid: int) -> int:
    """The program's pointer size in bits (the DAP `process` event's pointerSize): 64 unless it is ELF32."""
    facts = elf_facts(pid)
    return facts.bits if facts is not None else 64


def notes(pid: int) -> list[str]:
    """One line per thing the user must know about process ``pid``; empty for a plain program."""
    lines = [
        *_exited_leader(pid),
        *_namespace(pid),
        *_executable(pid),
        *_interpreter(pid),
    ]
    facts = elf_facts(pid)
    if facts is not None and facts.bits == 32:
        lines.append(
            f"process {pid} is a 32-bit program: registers are shown in the 32-bit layout (i386 "
            f"user_regs_struct) and system calls are named from the i386 table"
        )
    if facts is not None and facts.static and facts.stripped:
        lines.append(
            f"process {pid} is statically linked and fully stripped: its functions have no names to show, "
            f"so its frames show addresses"
        )
    elif facts is not None and facts.stripped:
        lines.append(
            f"process {pid}'s executable is stripped (no .symtab): frames in it are named from its exported "
            f"symbols only, or shown as addresses"
        )
    return lines


def _exited_leader(pid: int) -> list[str]:
    others = len(procfs.task_ids(pid)) - 1
    if procfs.thread_state(pid, pid) not in ("Z", "X") or others < 1:
        return []
    return [
        f"the main thread of process {pid} has exited (pthread_exit) and waits as a zombie for the rest of "
        f"the process: the kernel cannot trace an exited thread, so it is shown as exited; the {others} other "
        f"threads are traced, and the process ends with the last of them"
    ]


def namespace_ids(pid: int, tid: int) -> list[int]:
    """The thread's ids from the outermost PID namespace to its own (/proc/PID/task/TID/status NSpid)."""
    try:
        with open(f"/proc/{pid}/task/{tid}/status", "rb") as f:
            fields = procfs.parse_status(f.read().decode("utf-8", "replace"))
    except OSError:
        return []
    try:
        return [int(word) for word in fields.get("NSpid", "").split()]
    except ValueError:
        return []


def own_namespace_id(pid: int, tid: int) -> int | None:
    """The id the thread has in its own PID namespace, if that is not the one the adapter sees."""
    ids = namespace_ids(pid, tid)
    return ids[-1] if len(ids) > 1 else None


def _namespace(pid: int) -> list[str]:
    inner = own_namespace_id(pid, pid)
    if inner is None:
        return []
    return [
        f"process {pid} runs in a PID namespace (a container), where it is process {inner}: thread ids here are "
        f"the adapter's, the ones requests act on; each thread's name gives its id inside the namespace "
        f'("ns {inner}")'
    ]


def _executable(pid: int) -> list[str]:
    try:
        path = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return []
    if path.startswith("/memfd:"):
        name = path.removeprefix("/memfd:").removesuffix(" (deleted)")
        return [
            f"process {pid} runs from a memfd ({name!r}: an executable with no file on disk, started with "
            f"fexecve); symbols are read from the running copy"
        ]
    if path.endswith(" (deleted)"):
        return [
            f"the executable of process {pid}, {path.removesuffix(' (deleted)')}, was deleted or replaced after it "
            f"started; what is shown is read from the running copy, not from the file now at that path"
        ]
    return []


def _interpreter(pid: int) -> list[str]:
    try:
        exe = os.readlink(f"/proc/{pid}/exe").removesuffix(" (deleted)")
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = [a.decode("utf-8", "replace") for a in f.read().split(b"\0") if a]
    except OSError:
        return []
    name = os.path.basename(exe)
    if not INTERPRETER.fullmatch(name) or len(argv) < 2:
        return []
    script = next((a for a in argv[1:] if not a.startswith("-")), None)
    if script is None:
        return []
    return [
        f"process {pid} is {name} running {script}: its threads, modules and call stacks are the interpreter's "
        f"(native code), not the script's"
    ]
