"""Checking a Chrome Trace Event JSON file the way its viewers read it.

The schema holds the fields the Trace Event Format document defines (the
"JSON Object Format" with ``traceEvents``; per event ``name``, ``cat``,
``ph``, ``ts`` in microseconds, ``pid``, ``tid``, ``args``; ``dur`` for
complete events ``X``; ``id`` for async ``b``/``e`` and flow ``s``/``t``/``f``
events; ``bp`` = ``"e"`` for a flow end bound to its enclosing slice; the
metadata names of ``M`` events). ``check_semantics`` adds what a schema cannot
say: slices of one thread nest, every flow has a start and an end that bind to
slices of their threads, every async begin has its end.
"""

from __future__ import annotations

import collections
from typing import Any

import jsonschema

PHASES = [
    "B",
    "E",
    "X",
    "i",
    "I",
    "C",
    "b",
    "n",
    "e",
    "s",
    "t",
    "f",
    "P",
    "N",
    "O",
    "D",
    "M",
    "V",
    "v",
    "R",
    "c",
    "(",
    ")",
]
METADATA = ["process_name", "process_labels", "process_sort_index", "thread_name", "thread_sort_index"]
ID_PHASES = ["b", "n", "e", "s", "t", "f", "N", "O", "D"]

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["traceEvents"],
    "properties": {
        "traceEvents": {"type": "array", "items": {"$ref": "#/$defs/event"}},
        "displayTimeUnit": {"enum": ["ms", "ns"]},
        "otherData": {"type": "object", "additionalProperties": {"type": "string"}},
        "systemTraceEvents": {"type": "string"},
    },
    "$defs": {
        "event": {
            "type": "object",
            "required": ["name", "ph", "pid"],
            "properties": {
                "name": {"type": "string"},
                "cat": {"type": "string"},
                "ph": {"enum": PHASES},
                "ts": {"type": "number"},
                "tts": {"type": "number"},
                "dur": {"type": "number", "minimum": 0},
                "tdur": {"type": "number", "minimum": 0},
                "pid": {"type": ["integer", "string"]},
                "tid": {"type": ["integer", "string"]},
                "id": {"type": ["integer", "string"]},
                "bp": {"const": "e"},
                "s": {"enum": ["g", "p", "t"]},
                "args": {"type": "object"},
                "cname": {"type": "string"},
            },
            "allOf": [
                {"if": {"properties": {"ph": {"const": "X"}}}, "then": {"required": ["ts", "dur", "tid"]}},
                {"if": {"properties": {"ph": {"enum": ID_PHASES}}}, "then": {"required": ["id", "ts", "cat"]}},
                {
                    "if": {"properties": {"ph": {"const": "M"}}},
                    "then": {"required": ["args"], "properties": {"name": {"enum": METADATA}}},
                },
                {"if": {"properties": {"ph": {"not": {"const": "M"}}}}, "then": {"required": ["ts"]}},
            ],
        }
    },
}


def validate(trace: dict[str, Any]) -> None:
    jsonschema.validate(trace, SCHEMA)


def _ns(us: float) -> int:
    return round(us * 1000)  # as the viewers do: microseconds read as doubles, kept as integer nanoseconds


def check_semantics(trace: dict[str, Any]) -> dict[str, int]:
    """Raise AssertionError where a viewer would complain; return counts of what was found."""
    events = trace["traceEvents"]
    slices = collections.defaultdict(list)
    for event in events:
        if event["ph"] == "X":
            slices[(event["pid"], event["tid"])].append((_ns(event["ts"]), _ns(event["ts"]) + _ns(event["dur"]), event))
    for track, spans in slices.items():
        spans.sort(key=lambda s: (s[0], -s[1]))
        stack: list[tuple[int, int, dict[str, Any]]] = []
        for start, end, event in spans:
            while stack and stack[-1][1] <= start:
                stack.pop()
            if stack:
                assert end <= stack[-1][1], f"track {track}: {event['name']} at {start} overlaps {stack[-1][2]['name']}"
            stack.append((start, end, event))

    def enclosing(event: dict[str, Any], same_start: bool) -> bool:
        at = _ns(event["ts"])
        for start, end, slice_ in slices.get((event["pid"], event["tid"]), []):
            if start <= at <= end and (not same_start or (start == at and slice_.get("cat") == event["cat"])):
                return True
        return False

    flows: dict[tuple[str, str, Any], dict[str, dict[str, Any]]] = collections.defaultdict(dict)
    asyncs: dict[tuple[str, Any], list[str]] = collections.defaultdict(list)
    for event in events:
        if event["ph"] in ("s", "f"):
            key = (event["cat"], event["name"], event["id"])
            assert event["ph"] not in flows[key], f"flow {key} has two {event['ph']} events"
            flows[key][event["ph"]] = event
        elif event["ph"] in ("b", "e"):
            asyncs[(event["cat"], event["id"])].append(event["ph"])
    for key, ends in flows.items():
        assert set(ends) == {"s", "f"}, f"flow {key} lacks its {'start' if 's' not in ends else 'end'}"
        assert ends["s"]["ts"] <= ends["f"]["ts"], f"flow {key} ends before it starts"
        assert enclosing(ends["s"], same_start=True), f"flow start {key} binds to no slice of thread {ends['s']['tid']}"
        assert ends["f"].get("bp") == "e" and enclosing(ends["f"], same_start=False), f"flow end {key} binds to nothing"
    for key, phases in asyncs.items():
        assert phases == ["b", "e"], f"async {key}: {phases}"
    names = {(e["pid"], e["tid"]) for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    assert set(slices) <= names, f"tracks without a thread_name: {sorted(set(slices) - names)[:5]}"
    return {
        "slices": sum(len(s) for s in slices.values()),
        "tracks": len(slices),
        "flows": len(flows),
        "pauses": len(asyncs),
    }
