"""The timeline as Chrome Trace Event JSON, which Perfetto UI (ui.perfetto.dev) and chrome://tracing open.

Trace Event Format (the "JSON Object Format"): ``{"traceEvents": [...],
"displayTimeUnit": "ms", "otherData": {...}}``, timestamps in microseconds.
What is written, per thread life (one track per tid, sorted by birth):

- ``M`` metadata: ``thread_name`` and ``thread_sort_index`` (and ``process_name``);
- an ``X`` (complete) slice for its whole life, named after the thread, and
  inside it one ``X`` slice per sampled state ("running", "sleeping: futex",
  "disk wait: read", "ptrace stop"), each lasting until the next change;
- creation, as a flow arrow: on the creator's track a zero-length ``X`` slice
  "create TID" with a flow start (``s``), on the new thread's track a flow end
  (``f``, binding point ``e``: the enclosing slice, its life) at its birth.
  Both carry the same category, name and id, and the same timestamp as the
  slices they bind to, as the format's flow binding rules ask;
- the paused moments, as an async (``b``/``e``) slice "paused" of the process.

Slices of one track nest exactly (a state slice never leaves its thread's
life); times are whole nanoseconds, written as microseconds with three decimals.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

CATEGORY_LIFE = "lifecycle"
CATEGORY_STATE = "state"
CATEGORY_PAUSE = "pause"


def _us(ns: int) -> float:
    return ns / 1000


def _ns(seconds: float) -> int:
    return round(seconds * 1e9)


def trace(data: dict[str, Any]) -> dict[str, Any]:
    """The Trace Event JSON object for ``Timeline.to_data()``'s data."""
    pid = data["pid"]
    threads = data["threads"]
    by_id = {thread["id"]: thread for thread in threads}
    end = _ns(data["end"])
    events: list[dict[str, Any]] = [
        {"name": "process_name", "ph": "M", "pid": pid, "tid": pid, "args": {"name": data.get("name") or str(pid)}}
    ]
    for order, thread in enumerate(threads):
        events.extend(_thread(pid, thread, order, end, data["labels"]))
        creator = by_id.get(thread["creator"]) if thread["creator"] is not None else None
        if creator is not None:
            events.extend(_creation(pid, creator, thread, end))
    events.extend(_pauses(pid, data["pauses"], end))
    return {
        "traceEvents": events,
        "displayTimeUnit": "ms",
        "otherData": {
            "generator": "dap-threads",
            "pid": str(pid),
            "t0 (unix time)": str(data["t0"]),
            "dropped": json.dumps(data.get("dropped", {})),
        },
    }


def write(data: dict[str, Any], path: str | Path) -> None:
    with open(path, "w") as f:
        json.dump(trace(data), f, separators=(",", ":"))


def _life(thread: dict[str, Any], end: int) -> tuple[int, int]:
    born = _ns(thread["born"])
    exited = end if thread["exited"] is None else _ns(thread["exited"])
    return born, max(born, exited)


def _thread(
    pid: int, thread: dict[str, Any], order: int, end: int, labels: list[list[str]]
) -> Iterator[dict[str, Any]]:
    tid, name = thread["tid"], thread["name"] or str(thread["tid"])
    born, exited = _life(thread, end)
    yield {"name": "thread_name", "ph": "M", "pid": pid, "tid": tid, "args": {"name": name}}
    yield {"name": "thread_sort_index", "ph": "M", "pid": pid, "tid": tid, "args": {"sort_index": order}}
    args = {"tid": tid, "origin": thread["origin"], "alive at end": thread["exited"] is None}
    yield _slice(name, CATEGORY_LIFE, pid, tid, born, exited, args)
    for start, stop, label, cpu in _spans(thread["states"], born, exited):
        letter, wait, words = labels[label]
        state_args: dict[str, Any] = {"state": letter}
        if wait:
            state_args["wait"] = wait
        if cpu >= 0:
            state_args["cpu %"] = cpu
        yield _slice(f"{words}: {wait}" if wait else words, CATEGORY_STATE, pid, tid, start, stop, state_args)


def _spans(states: list[float], born: int, exited: int) -> Iterator[tuple[int, int, int, float]]:
    """(start, stop, label, cpu) of each state, each until the next one, clipped to the life."""
    count = len(states) // 3
    for i in range(count):
        start = max(born, _ns(states[3 * i]))
        stop = min(exited, _ns(states[3 * i + 3])) if i + 1 < count else exited
        if stop > start:
            yield start, stop, int(states[3 * i + 1]), states[3 * i + 2]


def _slice(name: str, cat: str, pid: int, tid: int, start: int, stop: int, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "cat": cat,
        "ph": "X",
        "ts": _us(start),
        "dur": _us(stop - start),
        "pid": pid,
        "tid": tid,
        "args": args,
    }


def _creation(pid: int, creator: dict[str, Any], thread: dict[str, Any], end: int) -> Iterable[dict[str, Any]]:
    born, _ = _life(thread, end)
    creator_born, creator_exited = _life(creator, end)
    at = min(max(born, creator_born), creator_exited)  # inside the creator's life, whatever the clocks said
    flow = {"name": "created", "cat": CATEGORY_LIFE, "id": thread["id"], "pid": pid}
    tid, name = thread["tid"], thread["name"] or str(thread["tid"])
    return [
        _slice(f"create {tid}", CATEGORY_LIFE, pid, creator["tid"], at, at, {"tid": tid, "name": name}),
        {**flow, "ph": "s", "ts": _us(at), "tid": creator["tid"]},
        {**flow, "ph": "f", "bp": "e", "ts": _us(born), "tid": tid},
    ]


def _pauses(pid: int, pauses: list[list[float | None]], end: int) -> Iterator[dict[str, Any]]:
    for number, (start, stop) in enumerate(pauses):
        if start is None:
            continue
        common = {"name": "paused", "cat": CATEGORY_PAUSE, "id": number, "pid": pid, "tid": pid}
        yield {**common, "ph": "b", "ts": _us(_ns(start))}
        yield {**common, "ph": "e", "ts": _us(end if stop is None else _ns(stop))}
