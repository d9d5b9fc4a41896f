"""Frames out: the `thread` event template against the generic encoder, and the writer's batches.

``DAPProtocol.send_thread_event`` encodes from a byte template (two go out per
thread lifetime); it must produce exactly the bytes the generic path
(``send_event``: dict, json.dumps) produces. The adapter tests validate every
frame against the DAP schema as well; this pins the equivalence without a
process.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from dap_threads.dap.converter import make_converter
from dap_threads.dap.protocol import DAPProtocol, FrameWriter
from dap_threads.dap.pygls_bridge import new_transport


class Transport(asyncio.WriteTransport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []

    def write(self, data: Any) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return False


def _protocol(loop: asyncio.AbstractEventLoop) -> tuple[DAPProtocol, Transport]:
    protocol = new_transport(DAPProtocol, make_converter)
    assert isinstance(protocol, DAPProtocol)
    transport = Transport()
    protocol.attach_writer(FrameWriter(transport, loop))
    return protocol, transport


@pytest.mark.parametrize("reason", ["started", "exited"])
@pytest.mark.parametrize("tid", [1, 42, 4_194_304])
def test_the_thread_event_template_gives_the_generic_encoders_bytes(reason: str, tid: int) -> None:
    async def run() -> list[bytes]:
        protocol, transport = _protocol(asyncio.get_running_loop())
        for seq in range(1, 12):  # seq with one and two digits
            if seq % 2:
                protocol.send_thread_event(reason, tid)
            else:
                protocol.send_event("thread", {"reason": reason, "threadId": tid})
        await asyncio.sleep(0)
        return transport.writes

    frames = b"".join(asyncio.run(run())).split(b"Content-Length: ")[1:]
    assert len(frames) == 11
    for seq, frame in enumerate(frames, 1):
        generic = b'{"seq":%d,"type":"event","event":"thread","body":{"reason":"%s","threadId":%d}}' % (
            seq,
            reason.encode(),
            tid,
        )
        assert frame == b"%d\r\n\r\n%s" % (len(generic), generic), f"frame {seq} differs"


def test_a_batch_goes_out_in_one_write_at_its_end() -> None:
    async def run() -> tuple[list[bytes], list[bytes]]:
        protocol, transport = _protocol(asyncio.get_running_loop())
        with protocol.batch():
            for tid in range(100, 110):
                protocol.send_thread_event("started", tid)
            assert transport.writes == [], "a frame left before the batch ended"
        at_end = list(transport.writes)
        await asyncio.sleep(0)
        return at_end, transport.writes

    at_end, after_a_turn = asyncio.run(run())
    assert len(at_end) == 1 and at_end[0].count(b"Content-Length") == 10
    assert after_a_turn == at_end


def test_without_a_batch_frames_of_one_iteration_are_written_together_after_it() -> None:
    async def run() -> tuple[list[bytes], list[bytes]]:
        protocol, transport = _protocol(asyncio.get_running_loop())
        protocol.send_thread_event("started", 7)
        protocol.send_event("output", {"output": "x"})
        before = list(transport.writes)
        await asyncio.sleep(0)
        return before, transport.writes

    before, after = asyncio.run(run())
    assert before == [] and len(after) == 1 and after[0].count(b"Content-Length") == 2
