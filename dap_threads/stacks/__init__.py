"""Native call stacks of stopped threads: unwinding, symbols, source lines, inline frames, modules.

Below ``session/`` and beside ``engine/`` (whose registers and /proc it
uses); it knows nothing of DAP. The entry point is ``open_reader(pid)``:
a ``StackReader`` (libdw) or, where libdw is missing, a ``TopFrameReader``
whose ``notice`` names the package that gives full stacks.
"""

from __future__ import annotations

from .fallback import TopFrameReader
from .libdw import LibdwMissing, load
from .model import Frame, Module, Place, Stack
from .unwind import DEFAULT_MAX_FRAMES, StackReader, UnwindError

__all__ = [
    "DEFAULT_MAX_FRAMES",
    "Frame",
    "Module",
    "Place",
    "Stack",
    "StackReader",
    "TopFrameReader",
    "UnwindError",
    "open_reader",
]


def open_reader(pid: int) -> StackReader | TopFrameReader:
    """A reader for ``pid`` (whose threads the caller stops before asking for their stacks)."""
    try:
        dw = load()
    except LibdwMissing as exc:
        return TopFrameReader(pid, str(exc))
    return StackReader(pid, dw)
