"""The schema oracle itself: every other test trusts it, so it must be able to say no."""

from __future__ import annotations

from dap_schema import violations


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
