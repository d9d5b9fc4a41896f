"""The official DAP JSON schema (1.71, draft-04) as an oracle for every message the adapter sends.

The schema is not ours: a copy of it, with its MIT licence notice, lives in
``tests/dap/`` (see its README for where it comes from); DAP_SCHEMA may point at
another copy.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

import jsonschema

REPO = Path(__file__).resolve().parents[1]
IN_TREE = REPO / "tests" / "dap" / "debugAdapterProtocol.json"
VERSION = "1.71"
SHA256 = "ff8ae4c6cfd588a050e9346c35fd104748a27ef4518d1c3268529ca6f8ff5818"

_INT_RANGES = {
    "int32": (-(2**31), 2**31 - 1),
    "uint32": (0, 2**32 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "uint64": (0, 2**64 - 1),
}


def schema_path() -> Path:
    override = os.environ.get("DAP_SCHEMA")
    path = Path(override) if override else IN_TREE
    if not path.is_file():
        where = f"DAP_SCHEMA names {override!r}, which is not a file" if override else f"{IN_TREE} is missing"
        raise FileNotFoundError(
            f"the DAP schema was not found: {where}; unset DAP_SCHEMA to use the copy in tests/dap/"
        )
    return path


@functools.lru_cache(maxsize=1)
def _definitions() -> dict[str, Any]:
    return json.loads(schema_path().read_text())["definitions"]


def _format_checker() -> jsonschema.FormatChecker:
    # jsonschema ignores formats it does not know; 1.71's integer formats
    # must be checked, or a thread id of 2**40 would pass silently.
    checker = jsonschema.FormatChecker()
    for name, (low, high) in _INT_RANGES.items():

        def check(value: Any, low: int = low, high: int = high) -> bool:
            return not isinstance(value, int) or isinstance(value, bool) or low <= value <= high

        checker.checks(name)(check)
    return checker


@functools.cache
def validator(definition: str) -> jsonschema.Draft4Validator:
    definitions = _definitions()
    if definition not in definitions:
        raise KeyError(definition)
    return jsonschema.Draft4Validator(
        {"$ref": f"#/definitions/{definition}", "definitions": definitions}, format_checker=_format_checker()
    )


def definition_for(message: dict[str, Any]) -> str:
    """The schema definition an adapter-sent message must satisfy."""
    kind = message.get("type")
    if kind == "response":
        if message.get("success") is False:
            return "ErrorResponse"
        command = str(message.get("command", ""))
        return command[:1].upper() + command[1:] + "Response"
    if kind == "event":
        event = str(message.get("event", ""))
        return event[:1].upper() + event[1:] + "Event"
    if kind == "request":
        command = str(message.get("command", ""))
        return command[:1].upper() + command[1:] + "Request"
    return "ProtocolMessage"


def violations(message: dict[str, Any]) -> list[str]:
    """Empty if ``message`` is valid; else one line per error, naming the schema path."""
    name = definition_for(message)
    try:
        check = validator(name)
    except KeyError:
        return [f"{name}: no such definition in the DAP schema (unknown command or event?)"]
    return [
        f"{name}: {error.message} (at {'/'.join(map(str, error.absolute_path)) or 'top level'}; "
        f"schema path {'/'.join(map(str, error.absolute_schema_path))})"
        for error in check.iter_errors(message)
    ]
