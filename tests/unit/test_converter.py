"""The strict cattrs converter: JSON types checked, not coerced; errors name the field."""

from __future__ import annotations

import cattrs
import pytest

from dap_threads.dap import messages as m
from dap_threads.dap.converter import converter, describe_structure_error


def structure_error(raw: dict[str, object], cls: type) -> str:
    with pytest.raises(cattrs.ClassValidationError) as caught:
        converter.structure(raw, cls)
    return describe_structure_error(caught.value)


def test_a_string_is_not_an_integer() -> None:
    assert structure_error({"threadId": "7"}, m.ThreadArguments) == (
        "arguments.threadId: expected an integer, got string '7'"
    )


def test_a_boolean_is_not_an_integer_even_though_python_says_so() -> None:
    assert "expected an integer, got boolean True" in structure_error({"threadId": True}, m.ThreadArguments)


def test_a_missing_required_field_is_named() -> None:
    assert structure_error({}, m.ThreadArguments) == "arguments.threadId: required field missing"


def test_an_integer_is_a_number() -> None:
    assert converter.structure(3, float) == 3


def test_unknown_fields_are_ignored_as_the_spec_allows_clients_to_add_their_own() -> None:
    assert converter.structure({"threadId": 4, "__restart": {}}, m.ThreadArguments).threadId == 4


def test_unstructuring_leaves_unset_optional_fields_off_the_wire() -> None:
    body = converter.unstructure(m.StoppedEventBody(reason="pause", threadId=9))
    assert body == {"reason": "pause", "threadId": 9}
