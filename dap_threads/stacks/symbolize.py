"""Turning program counters into frames, with a cache that makes the thousandth thread free.

Symbolizing one address costs tens of libdw calls (module, symbol, line
table, scopes); the threads of a process mostly sit at the same few
addresses (37 workers in the same pthread_cond_wait). Results are cached
twice: per process by absolute address (valid until its modules change),
and for every process by (module key, offset in module), the key being the
module's build-id (or path + inode + mtime), so a library's addresses
resolved once are resolved for every program that maps it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import attrs

from . import libdw as L
from .demangle import demangle, drop_parameters
from .model import Frame, Module, Place
from .modules import cache_key, identity
from .places import PlaceReader
from .tailcalls import call_target, tail_calls

_SHARED_LIMIT = 200_000


class _SharedCache:
    """(module key, offset) -> (places, symbol name, symbol offset): bounded, least recently used out.

    Shared by the readers of every session of an adapter, which may
    symbolize on different threads at once: hence its own lock.
    """

    def __init__(self, limit: int) -> None:
        self._entries: OrderedDict[tuple[str, int], tuple[tuple[Place, ...], str | None, int | None]] = OrderedDict()
        self._limit = limit
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int]) -> tuple[tuple[Place, ...], str | None, int | None] | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: tuple[str, int], value: tuple[tuple[Place, ...], str | None, int | None]) -> None:
        with self._lock:
            self._entries[key] = value
            if len(self._entries) > self._limit:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


SHARED = _SharedCache(_SHARED_LIMIT)


@attrs.frozen
class SymbolSpan:
    """An ELF symbol where it is loaded: demangled name, start address, size (0: unknown)."""

    name: str
    start: int
    size: int


class Symbolizer:
    """Frames for the addresses of one Dwfl (one process, one set of modules)."""

    def __init__(self, dw: L.Libdw, dwfl: int) -> None:
        self._dw = dw
        self._dwfl = dwfl
        self._reader = PlaceReader(dw)
        self._by_address: dict[tuple[int, bool], tuple[Frame, ...]] = {}
        self._modules: dict[int, tuple[Module, str]] = {}
        self._tail_calls: dict[tuple[int, int], tuple[Frame, ...]] = {}  # (caller pc, callee pc) -> frames

    def forget(self) -> None:
        """The process's modules changed (dlopen, exec): drop what was keyed by address or by module."""
        self._by_address.clear()
        self._modules.clear()
        self._tail_calls.clear()
        self._reader = PlaceReader(self._dw)

    def frames(self, pc: int, activation: bool) -> tuple[Frame, ...]:
        """The frames at ``pc``, innermost (inline) first.

        A caller's pc is a return address, one past its call: it is looked up
        as pc - 1, which is inside the call (and its inline scopes and line),
        unless the frame is an activation (the top frame, or one interrupted
        by a signal), whose pc is the instruction about to run.
        """
        key = (pc, activation)
        found = self._by_address.get(key)
        if found is None:
            found = self._by_address[key] = self._resolve(pc, pc if activation else pc - 1)
        return found

    def known(self, pc: int, activation: bool) -> bool:
        """Whether ``frames(pc, activation)`` is already cached for this process."""
        return (pc, activation) in self._by_address

    def symbol_at(self, address: int) -> SymbolSpan | None:
        """The ELF symbol whose range holds ``address``; None in code without a symbol."""
        pointer = self._dw.dwfl_addrmodule(self._dwfl, address)
        if not pointer:
            return None
        found = self._reader.symbol_span(pointer, address)
        if found is None:
            return None
        name, offset, size = found
        return SymbolSpan(_symbol_name(name) or name, address - offset, size)

    def line_at(self, address: int) -> tuple[str, int, int | None] | None:
        """(file, line, column) of ``address`` in its module's line table, or None."""
        pointer = self._dw.dwfl_addrmodule(self._dwfl, address)
        if not pointer:
            return None
        file, line, column = self._reader.line(pointer, address)
        return (file, line, column) if file and line else None

    def tail_call_frames(self, pid: int, caller_pc: int, callee: Frame) -> tuple[Frame, ...]:
        """The frames of a function that tail-called ``callee`` (the outermost frame at its pc) from the
        caller whose return address is ``caller_pc``; none when there was no such function (``tailcalls``)."""
        key = (caller_pc, callee.pc)
        known = self._tail_calls.get(key)
        if known is None:
            known = self._tail_calls[key] = self._tail_call_frames(pid, caller_pc, callee)
        return known

    def _tail_call_frames(self, pid: int, caller_pc: int, callee: Frame) -> tuple[Frame, ...]:
        if callee.function is None or callee.label:
            return ()
        target = call_target(pid, caller_pc)
        if target is None:
            return ()
        span = self.symbol_at(callee.pc - 1) or self.symbol_at(callee.pc)
        if span is not None and span.start <= target < span.start + max(span.size, 1):
            return ()  # a direct call of the callee: no frame is missing
        pointer = self._dw.dwfl_addrmodule(self._dwfl, target)
        if not pointer:
            return ()
        sites = [pc for name, pc in tail_calls(self._reader, pointer, target) if name == callee.function]
        if len(sites) != 1:
            return ()  # no tail call to the callee there, or more than one: nothing certain
        found = self.frames(sites[0], activation=False)
        return (*found[:-1], attrs.evolve(found[-1], tail_call=True))

    def module_at(self, address: int) -> Module | None:
        """The module whose mapped range holds ``address``, or None (unmapped, JIT code, garbage)."""
        pointer = self._dw.dwfl_addrmodule(self._dwfl, address)
        if not pointer:
            return None
        module = self._module(pointer)[0]
        # libdwfl may answer with the nearest module for an address past every
        # mapping (0x4141414141414141): only an address inside it counts.
        return module if module.start <= address < module.end else None

    def _module(self, pointer: int) -> tuple[Module, str]:
        known = self._modules.get(pointer)
        if known is None:
            known = self._modules[pointer] = self._describe(pointer)
        return known

    def _describe(self, pointer: int) -> tuple[Module, str]:
        # Frames carry the module's identity only: its symbol status costs a
        # look into the file, which StackReader.modules() pays when asked.
        name, path, start, end, build_id = identity(self._dw, pointer)
        module = Module(name, path, start, end, build_id, symbols="not examined")
        return module, cache_key(path, name, build_id)

    def _resolve(self, pc: int, address: int) -> tuple[Frame, ...]:
        pointer = self._dw.dwfl_addrmodule(self._dwfl, address)
        if not pointer:
            return (Frame(pc=pc, function=None),)
        module, key = self._module(pointer)
        if not module.start <= address < module.end:
            return (Frame(pc=pc, function=None),)
        shared_key = (key, address - module.start)
        cached = SHARED.get(shared_key)
        if cached is None:
            places = tuple(self._reader.places(pointer, address))
            symbol, offset = self._reader.symbol(pointer, address)
            cached = (places, symbol, offset)
            SHARED.put(shared_key, cached)
        places, symbol, offset = cached
        symbol_offset = offset + (pc - address) if offset is not None else None
        if not places:
            return (Frame(pc=pc, function=_symbol_name(symbol), module=module, symbol_offset=symbol_offset),)
        last = len(places) - 1
        return tuple(
            Frame(
                pc=pc,
                function=place.function or (_symbol_name(symbol) if i == last else None),
                module=module,
                symbol_offset=symbol_offset if i == last else None,
                file=place.file,
                line=place.line,
                column=place.column,
                inlined=place.inlined,
            )
            for i, place in enumerate(places)
        )


def _symbol_name(symbol: str | None) -> str | None:
    if not symbol:
        return None
    # "pthread_cond_wait@@GLIBC_2.3.2": the version is the dynamic linker's business.
    bare = symbol.split("@", 1)[0] if "@" in symbol[1:] else symbol
    return drop_parameters(demangle(bare))


def clear_shared_cache() -> None:
    """Forget every symbolized address (benchmarks measure the cold case with this)."""
    SHARED.clear()
