"""The schema oracle itself: every other test trusts it, so it must be able to say no."""

from __future__ import annotations

import hashlib

import pytest
from dap_client import DapClient, DapError
from dap_schema import IN_TREE, SHA256, VERSION, schema_path, violations


def thread_event(tid: object) -> dict:
    return {"seq": 1, "type": "event", "event": "thread", "body": {"reason": "started", "threadId": tid}}


def test_the_oracle_accepts_a_valid_message():
    assert violations(thread_event(1234)) == []


def test_the_oracle_checks_the_integer_formats_jsonschema_does_not_know():
    # ThreadEvent.threadId is "format": "int32"; 2**40 is a JSON integer, so only the format check sees it.
    problems = violations(thread_event(2**40))
    assert problems and "threadId" in problems[0], problems
    assert violations(thread_event(2**31 - 1)) == []
    assert violations(thread_event(2**31))


def test_the_oracle_checks_types_and_required_fields():
    assert violations(thread_event("1234"))
    no_body = {
        "seq": 3,
        "type": "response",
        "request_seq": 2,
        "success": False,
        "command": "threads",
        "message": "boom",
    }
    assert any("'body' is a required property" in p for p in violations(no_body))


def test_the_oracle_rejects_events_and_commands_the_spec_does_not_define():
    assert violations({"seq": 1, "type": "event", "event": "threadz", "body": {}})
    assert violations({"seq": 1, "type": "response", "request_seq": 1, "success": True, "command": "frobnicate"})


def test_the_schema_in_the_tree_is_the_recorded_version():
    # tests/dap/README.md records where the copy comes from; a changed file must change the record too.
    assert hashlib.sha256(IN_TREE.read_bytes()).hexdigest() == SHA256
    assert SHA256 in (IN_TREE.parent / "README.md").read_text()
    assert f"version {VERSION}" in (IN_TREE.parent / "README.md").read_text()
    assert "MIT License" in (IN_TREE.parent / "LICENSE").read_text()


def test_the_schema_is_loaded_from_the_tree_without_anything_beside_the_repository(monkeypatch):
    monkeypatch.delenv("DAP_SCHEMA", raising=False)
    assert schema_path() == IN_TREE


def test_an_error_in_the_client_reader_fails_the_waiting_test_with_its_own_message():
    class BrokenReader:
        def readline(self) -> bytes:
            raise FileNotFoundError("the DAP schema was not found: some reason")

    client = DapClient(BrokenReader(), lambda data: None, lambda: None)
    with pytest.raises(DapError, match="FileNotFoundError: the DAP schema was not found: some reason"):
        client.wait_for(lambda m: True, timeout=5)
