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
    """Frame ids, and the variablesReference of each scope of a frame (one per scope kind)."""

    def __init__(self) -> None:
        self._frames: dict[int, FrameRef] = {}
        self._frame_ids: dict[FrameRef, int] = {}
        self._containers: dict[int, tuple[str, int]] = {}  # variablesReference -> (scope kind, frame id)
        self._container_refs: dict[tuple[str, int], int] = {}
        self._next = 1

    def clear(self) -> None:
        self._frames.clear()
        self._frame_ids.clear()
        self._containers.clear()
        self._container_refs.clear()

    def frame_id(self, tid: int, level: int) -> int:
        ref = FrameRef(tid, level)
        fid = self._frame_ids.get(ref)
        if fid is None:
            fid = self._frame_ids[ref] = self._allocate()
            self._frames[fid] = ref
        return fid

    def frame(self, frame_id: int) -> FrameRef | None:
        return self._frames.get(frame_id)

    def container_ref(self, frame_id: int, kind: str) -> int:
        """The variablesReference of the ``kind`` scope ("registers", ...) of a frame."""
        key = (kind, frame_id)
        ref = self._container_refs.get(key)
        if ref is None:
            ref = self._container_refs[key] = self._allocate()
            self._containers[ref] = key
        return ref

    def container(self, reference: int) -> tuple[str, FrameRef] | None:
        """(scope kind, frame) of a variablesReference, or None once it has expired."""
        found = self._containers.get(reference)
        if found is None:
            return None
        frame = self._frames.get(found[1])
        return (found[0], frame) if frame is not None else None

    def _allocate(self) -> int:
        value = self._next
        # DAP ids are int32 (schema 1.71): wrap long before that.
        self._next = self._next + 1 if self._next < 2**31 - 1 else 1
        return value
