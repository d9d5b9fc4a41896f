"""Every thread's stack at once, grouped: the text of ``bt all`` and the JSON of ``stacks --json``.

Threads whose stacks are the same (same functions, same source lines, see
``Stack.signature``) are one group, shown once with its thread count:
"37 threads: futex_wait ← pthread_cond_wait ← worker_loop (pool.c:41) ← start_thread",
the view of parallel-stacks tools. Groups come largest first, then by their first tid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from .model import Frame, Module, Stack
from .subtle import is_system


@attrs.frozen
class Group:
    stack: Stack  # the first thread's (all are the same)
    tids: tuple[int, ...]


def group(stacks: Sequence[Stack]) -> list[Group]:
    by_signature: dict[object, list[Stack]] = {}
    for stack in stacks:
        by_signature.setdefault(stack.signature(), []).append(stack)
    groups = [Group(members[0], tuple(s.tid for s in members)) for members in by_signature.values()]
    return sorted(groups, key=lambda g: (-len(g.tids), g.tids[0]))


def summary(stack: Stack) -> str:
    """The chain on one line, innermost first; source lines only for the program's own frames."""
    parts = []
    for frame in stack.frames:
        if frame.label:
            parts.append(frame.function or "")
        elif is_system(frame) or not frame.where():
            parts.append(frame.name())
        else:
            parts.append(frame.describe())
    return " ← ".join(parts)


def frame_line(index: int, frame: Frame) -> str:
    """``#3  0x000055d0c0de1234 in worker_loop at /src/pool.c:59 (pool)``, gdb's bt, with the module."""
    if frame.label:
        return f"#{index:<3} {frame.function}"
    address = " " * 18 if frame.inlined else f"{frame.pc:#018x}"
    text = f"#{index:<3} {address} in {frame.name()}"
    if frame.inlined:
        text += " [inlined]"
    if frame.tail_call:
        text += " [tail call]"
    if frame.file and frame.line:
        text += f" at {frame.file}:{frame.line}"
    if frame.module is not None and frame.function:
        text += f" ({frame.module.short_name})"
    return text


def text(pid: int, stacks: Sequence[Stack], names: Mapping[int, str], elapsed_ms: float | None = None) -> str:
    """The whole report, as ``dap-threads stacks PID`` prints it."""
    groups = group(stacks)
    process = names.get(pid, "?")
    took = f" in {elapsed_ms:.1f} ms" if elapsed_ms is not None else ""
    lines = [
        f"process {pid} ({process}): {len(stacks)} threads, "
        f"{len(groups)} distinct stack{'s' if len(groups) != 1 else ''}{took}"
    ]
    for g in groups:
        count = len(g.tids)
        lines.append("")
        lines.append(f"{count} thread{'s' if count != 1 else ''}: {summary(g.stack)}")
        lines.append("  threads: " + ", ".join(f"{tid} ({names.get(tid, '?')})" for tid in g.tids))
        lines.extend("  " + frame_line(i, frame) for i, frame in enumerate(g.stack.frames))
    return "\n".join(lines) + "\n"


def frame_json(frame: Frame) -> dict[str, Any]:
    out: dict[str, Any] = {"pc": f"{frame.pc:#x}", "function": frame.name()}
    if frame.label:
        out["label"] = True
        return out
    if frame.module is not None:
        out["module"] = frame.module.name
        out["module_offset"] = f"{frame.pc - frame.module.start:#x}"
    if frame.symbol_offset is not None:
        out["symbol_offset"] = frame.symbol_offset
    if frame.file:
        out["file"] = frame.file
    if frame.line:
        out["line"] = frame.line
    if frame.column:
        out["column"] = frame.column
    if frame.inlined:
        out["inlined"] = True
    if frame.tail_call:
        out["tail_call"] = True
    if frame.subtle:
        out["subtle"] = True
    return out


def module_json(module: Module) -> dict[str, Any]:
    return {
        "name": module.name,
        "path": module.path,
        "start": f"{module.start:#x}",
        "end": f"{module.end:#x}",
        "build_id": module.build_id,
        "symbols": module.symbols,
        "debug_file": module.debug_file,
    }


def as_json(
    pid: int,
    stacks: Sequence[Stack],
    names: Mapping[int, str],
    modules: Sequence[Module],
    notice: str | None = None,
    elapsed_ms: float | None = None,
) -> dict[str, Any]:
    groups = group(stacks)
    return {
        "pid": pid,
        "name": names.get(pid),
        "threads": len(stacks),
        "elapsed_ms": round(elapsed_ms, 2) if elapsed_ms is not None else None,
        "notice": notice,
        "groups": [
            {
                "count": len(g.tids),
                "tids": list(g.tids),
                "names": [names.get(tid) for tid in g.tids],
                "summary": summary(g.stack),
                "stopped": g.stack.stopped,
                "frames": [frame_json(f) for f in g.stack.frames],
            }
            for g in groups
        ],
        "modules": [module_json(m) for m in modules],
    }
