"""Ids the client uses to point back at frames and variable containers.

DAP frame ids and variablesReferences are only valid while the program is
stopped (spec: "Lifetime of Objects References"); they are dropped on every
resume, so the tables never outgrow one stop.
"""

from __future__ import annotations

import attrs


@attrs.frozen
class FrameRef:
    tid: int
    level: int


class FrameIds:
    def __init__(self) -> None:
        self._frames: dict[int, FrameRef] = {}
        self._frame_ids: dict[FrameRef, int] = {}
        self._registers: dict[int, int] = {}  # variablesReference -> frame id
        self._register_refs: dict[int, int] = {}  # frame id -> variablesReference
        self._next = 1

    def clear(self) -> None:
        self._frames.clear()
        self._frame_ids.clear()
        self._registers.clear()
        self._register_refs.clear()

    def frame_id(self, tid: int, level: int) -> int:
        ref = FrameRef(tid, level)
        fid = self._frame_ids.get(ref)
        if fid is None:
            fid = self._frame_ids[ref] = self._allocate()
            self._frames[fid] = ref
        return fid

    def frame(self, frame_id: int) -> FrameRef | None:
        return self._frames.get(frame_id)

    def registers_ref(self, frame_id: int) -> int:
        ref = self._register_refs.get(frame_id)
        if ref is None:
            ref = self._register_refs[frame_id] = self._allocate()
            self._registers[ref] = frame_id
        return ref

    def registers_frame(self, reference: int) -> FrameRef | None:
        fid = self._registers.get(reference)
        return self._frames.get(fid) if fid is not None else None

    def _allocate(self) -> int:
        value = self._next
        # DAP ids are int32 (schema 1.71): wrap long before that.
        self._next = self._next + 1 if self._next < 2**31 - 1 else 1
        return value
