"""Frames in: FrameReader on pygls's reading loop, through the pygls bridge, without a process.

These pin the contract ``pygls_bridge`` documents: if a pygls upgrade changes
how ``run_async`` reads headers, these fail and name the case.
"""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

from dap_threads.dap.converter import make_converter
from dap_threads.dap.framing import FrameReader, stream_reader
from dap_threads.dap.pygls_bridge import FramedTransport, new_transport, read_frames


class Recorder(FramedTransport):
    def receive(self, message: Any) -> None:
        self.seen.append(message)

    @property
    def seen(self) -> list[Any]:
        if not hasattr(self, "_seen"):
            self._seen: list[Any] = []
        return self._seen


def frame(body: object) -> bytes:
    data = json.dumps(body).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(data), data)


def read_all(data: bytes) -> list[Any]:
    async def run() -> list[Any]:
        stream = stream_reader(asyncio.get_running_loop())
        stream.feed_data(data)
        stream.feed_eof()
        transport = new_transport(Recorder, make_converter)
        assert isinstance(transport, Recorder)
        await asyncio.wait_for(read_frames(FrameReader(stream), transport, threading.Event()), 5)
        return transport.seen

    return asyncio.run(run())


def test_frames_arrive_as_plain_dicts_in_order() -> None:
    got = read_all(frame({"seq": 1, "nested": {"a": [1, {"b": 2}]}}) + frame({"seq": 2}))
    assert got == [{"seq": 1, "nested": {"a": [1, {"b": 2}]}}, {"seq": 2}]
    assert type(got[0]["nested"]) is dict


def test_a_header_block_without_content_length_costs_only_itself() -> None:
    got = read_all(b"X-Junk: 1\r\n\r\n{}" + frame({"seq": 2}))
    assert got == [{"seq": 2}]


def test_a_body_longer_than_its_length_loses_its_tail_not_the_next_frame() -> None:
    body = b'{"seq": 1}'
    got = read_all(b"Content-Length: %d\r\n\r\n%sEXTRA" % (len(body), body) + frame({"seq": 2}))
    assert got == [{"seq": 1}, {"seq": 2}]


def test_plain_garbage_between_frames_is_skipped() -> None:
    got = read_all(frame({"seq": 1}) + b"garbage\n\n\r\nmore garbage" + frame({"seq": 3}))
    assert got == [{"seq": 1}, {"seq": 3}]


def test_a_body_cut_short_by_end_of_input_ends_reading_cleanly() -> None:
    assert read_all(frame({"seq": 1}) + b"Content-Length: 50\r\n\r\n{") == [{"seq": 1}]


def test_a_header_line_of_over_a_mebibyte_is_dropped() -> None:
    assert read_all(b"A" * (2 << 20) + b"\r\n\r\n" + frame({"seq": 5})) == [{"seq": 5}]


def test_values_that_are_not_objects_still_reach_the_protocol_which_rejects_them() -> None:
    assert read_all(frame([1, 2]) + frame("text")) == [[1, 2], "text"]
