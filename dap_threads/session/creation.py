"""Where each thread was created: the creator's stack at the clone, read while the creator waits in its event stop.

The moment is the only one: when the creator's PTRACE_EVENT_CLONE stop is
reported it still sits in the clone3 wrapper, under pthread_create and its
caller (man 2 ptrace, PTRACE_O_TRACECLONE); once resumed it goes on and that
stack is gone. So the walk is taken then, on the ptrace owner, before the
tracer resumes the creator: the registers (PTRACE_GETREGSET), and from the
wrapper's caller outwards (the wrapper has no CFI there:
``stacks.from_registers``); addresses only, named when a Thread scope shows them.

A walk holds the creator for about 0.3 ms, so it is rationed: a token bucket
records a program's first ``burst`` creations and then ``per_second`` a
second; a storm's other threads say why they have none. The unwinder reads
the process's modules (about 1 ms) when a walk first needs them, and again
when a walk meets code mapped since (dlopen), at most once a second.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import re
import time
from collections.abc import Callable

import attrs

from ..engine.registers import host_layout, read_registers
from ..engine.thread import TracedThread
from ..stacks import Frame, StackReader, UnwindError
from ..stacks.from_registers import RegisterUnwinder, leaf_caller
from ..stacks.libdw import LibdwMissing
from ..stacks.subtle import is_system
from ..stacks.unwind import Walk
from .callstacks import CallStacks

log = logging.getLogger(__name__)

#: Preparing the unwinder again (the process mapped more code) at most this often, in seconds.
_PREPARE_EVERY = 1.0
#: Frames walked at a clone: pthread_create's own (clone3, create_thread, pthread_create) and a few callers.
MAX_FRAMES = 12

#: The functions that make a thread, below which the caller is found (glibc, musl, Go's runtime, Rust's std).
_PLUMBING = re.compile(
    r"^(__)?(GI___)?(clone3?|clone_internal|create_thread|pthread_create.*|__pthread_create.*|"
    r"runtime\.(clone|newosproc|newm|newm1|startm)|std::sys::.*::Thread::new.*)(@.*)?$"
)


@attrs.frozen
class CreationSite:
    """The creator's stack at the clone, innermost first, and which frame called the creation."""

    frames: tuple[Frame, ...]
    caller: int  # index in frames: the first frame above the thread-making functions

    @property
    def caller_frame(self) -> Frame:
        return self.frames[self.caller]


class _Bucket:
    def __init__(self, per_second: float, burst: int) -> None:
        self.rate = per_second
        self.burst = float(burst)
        self.tokens = float(burst)
        self.at = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    def until_next(self) -> float:
        """Seconds until a token is there (0: one is)."""
        return max(0.0, (1 - self.tokens) / self.rate) if self.tokens < 1 else 0.0


class CreationSites:
    def __init__(self, stacks: CallStacks, *, per_second: float = 4, burst: int = 16, keep: int = 10_000) -> None:
        self._stacks = stacks
        self._bucket = _Bucket(per_second, burst)
        self._walks: collections.OrderedDict[int, Walk] = collections.OrderedDict()
        self._keep = keep
        self.per_second = per_second
        self.burst = burst
        self.enabled = False
        self._unwinder: RegisterUnwinder | None = None
        self._prepared_at = -_PREPARE_EVERY
        self._pid: int | None = None
        self.recorded = 0
        self.skipped = 0
        #: Told whether the next clone's creator must reach us still stopped (Tracer.want_clone_stops):
        #: true while the ration has a token, so that a compiled helper does not resume it first.
        self.want_stops: Callable[[bool], None] = lambda wanted: None
        self._refill: asyncio.TimerHandle | None = None
        #: seconds the creators waited for our walks, in all
        self.cost = 0.0

    # ----- the program -----------------------------------------------------------------

    def start(self, pid: int) -> None:
        """Record creations of ``pid`` from now on."""
        self._pid, self.enabled = pid, True
        try:
            self._unwinder = RegisterUnwinder(pid)
        except (LibdwMissing, UnwindError) as exc:
            log.info("creation stacks are not recorded: %s", exc)
            self.enabled = False
        self.want_stops(self.enabled and self._bucket.until_next() == 0)

    def on_exec(self) -> None:
        """A new program: its code is new, the addresses recorded name nothing now."""
        self._walks.clear()
        self.close()
        if self._pid is not None and self.enabled:
            self.start(self._pid)

    def close(self) -> None:
        self.want_stops(False)
        if self._refill is not None:
            self._refill.cancel()
            self._refill = None
        if self._unwinder is not None:
            self._unwinder.close()
            self._unwinder = None

    def _ready(self, unwinder: RegisterUnwinder) -> bool:
        """Prepare the unwinder for what the process maps now, at most once a second (about 1 ms)."""
        if unwinder.ready:
            return True
        now = time.monotonic()
        if now - self._prepared_at < _PREPARE_EVERY:
            return False
        self._prepared_at = now
        try:
            unwinder.prepare()
        except (UnwindError, OSError) as exc:  # OSError: EMFILE under a low ulimit -n (fd_limit)
            log.info("creation stacks: %s", exc)
            return False
        return unwinder.ready

    # ----- the clone (hot path) ------------------------------------------------------------

    def on_clone(self, creator: TracedThread, tid: int) -> None:
        """``Tracer.clone_hook``: on the ptrace owner, the creator in its clone event stop."""
        unwinder = self._unwinder
        if unwinder is None or not self.enabled:
            return
        taken = self._bucket.take()
        self._ration_changed()
        if not taken:
            self.skipped += 1
            return
        started = time.perf_counter()
        try:
            walk = self._walk(unwinder, creator.tid) if self._ready(unwinder) else None
        finally:
            self.cost += time.perf_counter() - started
        if walk is None:
            self.skipped += 1
            return
        self.recorded += 1
        self._walks[tid] = walk
        self._walks.move_to_end(tid)
        if len(self._walks) > self._keep:
            self._walks.popitem(last=False)

    def _ration_changed(self) -> None:
        """The ration is spent: let clones run unseen until its next token, then want them again."""
        wait = self._bucket.until_next()
        if wait == 0 or self._refill is not None:
            return
        self.want_stops(False)
        self._refill = asyncio.get_running_loop().call_later(wait, self._refilled)

    def _refilled(self) -> None:
        self._refill = None
        if self.enabled and self._unwinder is not None:
            self.want_stops(True)

    def _walk(self, unwinder: RegisterUnwinder, tid: int) -> Walk | None:
        try:
            registers = read_registers(tid)
        except OSError:
            return None
        if host_layout().pc not in registers:
            # A 32-bit program on a 64-bit host (engine/registers.py's compat layouts): the walk from the
            # clone wrapper knows the host's calling convention only, so this program records no sites.
            log.info("creation stacks are not recorded for a program of another ABI than the adapter's host")
            self.enabled = False
            self.want_stops(False)
            return None
        caller = leaf_caller(registers, unwinder.read_word)
        if caller is None:
            return None
        try:
            walk = unwinder.walk(tid, caller, MAX_FRAMES)
        except UnwindError:
            return None
        if unwinder.stale and self._ready(unwinder):  # it met code mapped since: once more
            walk = unwinder.walk(tid, caller, MAX_FRAMES)
        if not walk.frames:
            return None
        walk.frames.insert(0, (registers[host_layout().pc], True, None))  # the wrapper itself
        return walk

    # ----- reading ----------------------------------------------------------------------------

    def known(self, tid: int) -> bool:
        return tid in self._walks

    async def site(self, tid: int) -> CreationSite | None:
        """The creation site of ``tid``, named now (on a worker thread if that loads debug info)."""
        walk = self._walks.get(tid)
        reader = self._stacks.opened()
        if walk is None or not isinstance(reader, StackReader):
            return None
        try:
            reader.refresh()  # the program may have mapped its libraries since the reader opened
            stack = reader.finish(walk) if reader.symbolized(walk) else await asyncio.to_thread(reader.finish, walk)
        except UnwindError:
            return None
        frames = tuple(frame for frame in stack.frames if not frame.label)
        if not frames:
            return None
        return CreationSite(frames, caller_index(frames))

    def why_missing(self) -> str:
        if not self.enabled:
            return "not recorded (creation stacks are off, libdw is missing, or the program is 32-bit)"
        return (
            f"not recorded: the first {self.burst} creations are, then {self.per_second:g} a second "
            f"(each holds the creator for a stack walk)"
        )


def caller_index(frames: tuple[Frame, ...]) -> int:
    """The first frame above the thread-making functions (the innermost frames of a clone event).

    Without their names (a libc without symbols), the first frame of the
    program's own code, outside system libraries; else the innermost.
    """
    last_plumbing = -1
    for i, frame in enumerate(frames):
        if frame.function and _PLUMBING.match(frame.function):
            last_plumbing = i
        elif last_plumbing >= 0:
            return i
    if 0 <= last_plumbing < len(frames) - 1:
        return last_plumbing + 1
    own = next((i for i, frame in enumerate(frames) if frame.module is not None and not is_system(frame)), None)
    return own if own is not None else 0
