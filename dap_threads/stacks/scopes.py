"""The scopes around an address in functions that DWARF nests inside namespaces (Rust), which libdw 0.188 misses.

``dwarf_getscopes`` looks for the scopes holding a pc from the CU down, and
prunes every DIE that holds no pc itself: a DW_TAG_namespace never does, so a
function defined inside one is never reached. GCC's C++ puts each concrete
function at the CU's top level (with DW_AT_specification pointing into its
namespace), but rustc puts it inside its module's namespaces, so every Rust
function (and the standard library's inline frames in it) would be missed.

Here, per CU, the functions with code under its namespaces, structures and
classes are indexed once by their address ranges; the function holding a pc
is found by bisection, and its inlined calls and blocks holding the pc are
followed down (DWARF 5, 3.3.8 and 3.5).
"""

from __future__ import annotations

import bisect
import ctypes

from . import libdw as L

#: Tags whose children may define functions, though they hold no code themselves.
_CONTAINERS = frozenset(
    {L.DW_TAG_namespace, L.DW_TAG_structure_type, L.DW_TAG_class_type, L.DW_TAG_union_type, L.DW_TAG_module}
)
_NESTING = frozenset({L.DW_TAG_inlined_subroutine, L.DW_TAG_lexical_block})


class FunctionIndex:
    """The concrete functions of one CU, by address: (start, end, DIE), sorted by start."""

    def __init__(self, dw: L.Libdw, cu: ctypes._Pointer[L.Dwarf_Die]) -> None:
        self._dw = dw
        self._spans: list[tuple[int, int, L.Dwarf_Die]] = []
        self._collect(cu, depth=0)
        self._spans.sort(key=lambda span: span[0])
        self._starts = [span[0] for span in self._spans]

    def _collect(self, parent: ctypes._Pointer[L.Dwarf_Die], depth: int) -> None:
        dw = self._dw
        child = L.Dwarf_Die()
        if depth > 32 or dw.dwarf_child(parent, ctypes.byref(child)) != 0:
            return
        while True:
            tag = dw.dwarf_tag(ctypes.byref(child))
            if tag in _CONTAINERS:
                self._collect(ctypes.pointer(_copy(child)), depth + 1)
            elif tag == L.DW_TAG_subprogram:
                for start, end in _ranges(dw, child):
                    self._spans.append((start, end, _copy(child)))
            if dw.dwarf_siblingof(ctypes.byref(child), ctypes.byref(child)) != 0:
                return

    def scopes(self, pc: int) -> list[L.Dwarf_Die]:
        """The function holding ``pc`` and its inlined calls holding it, innermost first ([] if none)."""
        i = bisect.bisect_right(self._starts, pc) - 1
        while i >= 0:
            start, end, die = self._spans[i]
            if start <= pc < end:
                return self._nested(die, pc)[::-1]
            i -= 1
            if i >= 0 and pc - self._starts[i] > 1 << 24:
                break  # no function spans 16 MiB: stop looking back
        return []

    def _nested(self, function: L.Dwarf_Die, pc: int) -> list[L.Dwarf_Die]:
        dw = self._dw
        chain = [function]
        parent = function
        while True:
            child = L.Dwarf_Die()
            found: L.Dwarf_Die | None = None
            if dw.dwarf_child(ctypes.byref(parent), ctypes.byref(child)) == 0:
                while True:
                    if dw.dwarf_tag(ctypes.byref(child)) in _NESTING and dw.dwarf_haspc(ctypes.byref(child), pc) == 1:
                        found = _copy(child)
                        break
                    if dw.dwarf_siblingof(ctypes.byref(child), ctypes.byref(child)) != 0:
                        break
            if found is None:
                return chain
            chain.append(found)
            parent = found


def _ranges(dw: L.Libdw, die: L.Dwarf_Die) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    base, start, end = ctypes.c_uint64(), ctypes.c_uint64(), ctypes.c_uint64()
    offset = 0
    while True:
        offset = dw.dwarf_ranges(ctypes.byref(die), offset, ctypes.byref(base), ctypes.byref(start), ctypes.byref(end))
        if offset <= 0:
            return found
        if end.value > start.value:
            found.append((start.value, end.value))


def _copy(die: L.Dwarf_Die) -> L.Dwarf_Die:
    copy = L.Dwarf_Die()
    ctypes.pointer(copy)[0] = die
    return copy
