"""The one cattrs converter for DAP messages.

Structuring is strict: the spec's JSON types are checked, not coerced, so
``{"threadId": "7"}`` or ``{"pid": true}`` is an error the client hears
about instead of a silent conversion. Unstructuring leaves optional fields
that are None off the wire.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any

import cattrs


def _strict(kind: type, name: str) -> Callable[[Any, Any], Any]:
    def structure(value: Any, _type: Any) -> Any:
        # bool is a subclass of int in Python, but not an integer in JSON.
        if type(value) is not kind and not (kind is float and type(value) is int):
            raise TypeError(f"expected {name}, got {_json_type(value)} {_preview(value)}")
        return value

    return structure


def _json_type(value: Any) -> str:
    return {
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "string",
        list: "array",
        dict: "object",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _preview(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def make_converter() -> cattrs.Converter:
    converter = cattrs.Converter(omit_if_default=True, forbid_extra_keys=False)
    converter.register_structure_hook(int, _strict(int, "an integer"))
    converter.register_structure_hook(str, _strict(str, "a string"))
    converter.register_structure_hook(bool, _strict(bool, "a boolean"))
    converter.register_structure_hook(float, _strict(float, "a number"))
    converter.register_structure_hook(Any, lambda value, _: value)
    # A JSON string is iterable: without this, {"filters": "abc"} would become ["a", "b", "c"].
    converter.register_structure_hook_func(_is_list, _strict_list(converter))
    return converter


def _is_list(type_: Any) -> bool:
    origin: Any = typing.get_origin(type_)
    return origin is list


def _strict_list(converter: cattrs.Converter) -> Callable[[Any, Any], Any]:
    def structure(value: Any, list_type: Any) -> Any:
        if type(value) is not list:
            raise TypeError(f"expected an array, got {_json_type(value)} {_preview(value)}")
        (item_type,) = typing.get_args(list_type) or (Any,)
        return [converter.structure(item, item_type) for item in value]

    return structure


converter = make_converter()


def describe_structure_error(exc: Exception, where: str = "arguments") -> str:
    """One line naming each bad field, e.g. "arguments.threadId: expected an integer, got string '7'"."""
    if isinstance(exc, cattrs.ClassValidationError):
        problems = []
        for message in cattrs.transform_error(exc, path=where, format_exception=_format):
            text, _, path = message.rpartition(" @ ")
            problems.append(f"{path}: {text}")
        return "; ".join(problems)
    return str(exc)


def _format(exc: BaseException, type_: Any) -> str:
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, TypeError) and str(exc).startswith("expected"):
        return str(exc)
    if isinstance(exc, (TypeError, ValueError, AttributeError)):
        return f"invalid value ({exc})"
    return str(exc)
