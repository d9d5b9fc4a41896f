"""Reverse requests: our request goes out with our seq, the response with that request_seq resolves it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from dap_threads.dap.reverse import ReverseRequestError, ReverseRequests


class Wire:
    """Stands in for the protocol's send: numbers requests as the protocol's one counter would."""

    def __init__(self, first_seq: int = 7) -> None:
        self.seq = first_seq - 1
        self.sent: list[tuple[int, str, Any]] = []

    def send(self, command: str, arguments: Any) -> int:
        self.seq += 1
        self.sent.append((self.seq, command, arguments))
        return self.seq


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_the_response_naming_our_seq_resolves_our_request_with_its_body() -> None:
    async def scenario() -> Any:
        wire = Wire()
        reverse = ReverseRequests(wire.send)
        waiting = asyncio.ensure_future(reverse.request("runInTerminal", {"args": ["x"]}, timeout=5))
        await asyncio.sleep(0)
        seq, command, arguments = wire.sent[0]
        assert (command, arguments) == ("runInTerminal", {"args": ["x"]})
        # a response to something else first: not ours, left alone
        assert not reverse.on_response({"type": "response", "request_seq": seq + 100, "success": True})
        assert not waiting.done()
        assert reverse.on_response({"type": "response", "request_seq": seq, "success": True, "body": {"processId": 42}})
        return await waiting

    assert run(scenario()) == {"processId": 42}


def test_two_requests_in_flight_are_answered_out_of_order() -> None:
    async def scenario() -> list[Any]:
        wire = Wire()
        reverse = ReverseRequests(wire.send)
        first = asyncio.ensure_future(reverse.request("a", None, timeout=5))
        second = asyncio.ensure_future(reverse.request("b", None, timeout=5))
        await asyncio.sleep(0)
        (seq_a, _, _), (seq_b, _, _) = wire.sent
        reverse.on_response({"request_seq": seq_b, "success": True, "body": "B"})
        reverse.on_response({"request_seq": seq_a, "success": True})
        return [await first, await second]

    assert run(scenario()) == [None, "B"]


def test_a_refusal_raises_with_the_clients_reason() -> None:
    async def scenario() -> None:
        wire = Wire()
        reverse = ReverseRequests(wire.send)
        waiting = asyncio.ensure_future(reverse.request("runInTerminal", {}, timeout=5))
        await asyncio.sleep(0)
        reverse.on_response(
            {"request_seq": wire.sent[0][0], "success": False, "body": {"error": {"id": 1, "format": "no terminal"}}}
        )
        await waiting

    with pytest.raises(ReverseRequestError, match="refused the 'runInTerminal' request: no terminal"):
        run(scenario())


def test_no_answer_in_time_raises_and_forgets_the_request() -> None:
    async def scenario() -> ReverseRequests:
        reverse = ReverseRequests(Wire().send)
        with pytest.raises(ReverseRequestError, match=r"did not answer the .startDebugging. request within 0\.05 s"):
            await reverse.request("startDebugging", {}, timeout=0.05)
        return reverse

    reverse = run(scenario())
    assert not reverse.on_response({"request_seq": 7, "success": True}), "a late answer finds nobody waiting"


def test_closing_the_connection_fails_what_waits_and_what_comes_after() -> None:
    async def scenario() -> None:
        reverse = ReverseRequests(Wire().send)
        waiting = asyncio.ensure_future(reverse.request("runInTerminal", {}, timeout=5))
        await asyncio.sleep(0)
        reverse.close()
        with pytest.raises(
            ReverseRequestError, match="no answer to the 'runInTerminal' request: the client disconnected"
        ):
            await waiting
        with pytest.raises(ReverseRequestError, match="cannot send"):
            await reverse.request("runInTerminal", {}, timeout=5)

    run(scenario())
