"""Tail-call frames: a function that ended with a jump to its callee left no frame, but DWARF says it was there.

When ``f`` calls ``g`` and ``g`` ends with ``jmp h``, the stack holds ``h``'s
frame right under ``f``'s: ``g`` is gone. gdb shows it again as a "tail call
frame", from DWARF 5 call-site information (section 3.4: DW_TAG_call_site with
DW_AT_call_tail_call, GCC's -fvar-tracking, on by default with -O2 -g); so
does this module, in the simplest and by far most common case:

1. the caller's return address follows a direct call (x86_64 ``call rel32``,
   aarch64 ``bl``), whose target ``g`` is not the function of the frame below;
2. ``g``'s own DWARF has a tail-call site whose callee is that function.

Then ``g`` is a frame between the two, at its tail call's line. Nothing is
guessed: an indirect call, a PLT stub, or a target whose DWARF does not name
the callee in a tail-call site adds no frame (gdb also follows chains of
several tail calls when only one path fits; not done here).
"""

from __future__ import annotations

import ctypes
import platform

from ..engine import memory
from . import libdw as L
from .places import PlaceReader

_CALL_SITES = frozenset({L.DW_TAG_call_site, L.DW_TAG_GNU_call_site})
_NESTING = frozenset({L.DW_TAG_lexical_block, L.DW_TAG_inlined_subroutine})


def call_target(pid: int, return_address: int, machine: str | None = None) -> int | None:
    """The target of the direct call that ends just before ``return_address``, or None."""
    machine = machine or platform.machine()
    if machine == "x86_64":
        code = _read(pid, return_address - 5, 5)
        if len(code) == 5 and code[0] == 0xE8:  # call rel32
            return (return_address + int.from_bytes(code[1:], "little", signed=True)) % (1 << 64)
    elif machine == "aarch64":
        code = _read(pid, return_address - 4, 4)
        word = int.from_bytes(code, "little") if len(code) == 4 else 0
        if word & 0xFC000000 == 0x94000000:  # bl imm26
            offset = (word & 0x03FFFFFF) - (1 << 26 if word & 0x02000000 else 0)
            return (return_address - 4 + offset * 4) % (1 << 64)
    return None


def _read(pid: int, address: int, count: int) -> bytes:
    try:
        return memory.read(pid, address, count).data if address >= 0 else b""
    except (ValueError, memory.MemoryUnavailable):
        return b""


def tail_calls(reader: PlaceReader, module: int, entry: int) -> list[tuple[str | None, int]]:
    """(callee name, return pc) of every tail-call site of the function at ``entry`` of ``module``."""
    dw = reader.dw
    cu = reader.unit(module, entry)
    if cu is None:
        return []
    bias = reader.bias.value
    function = _function_at(dw, cu, entry - bias)
    if function is None:
        return []
    found: list[tuple[str | None, int]] = []
    _collect(reader, function, bias, found, depth=0)
    return found


def _function_at(dw: L.Libdw, cu: ctypes._Pointer[L.Dwarf_Die], relative: int) -> L.Dwarf_Die | None:
    scopes = ctypes.POINTER(L.Dwarf_Die)()
    count = dw.dwarf_getscopes(cu, relative, ctypes.byref(scopes))
    if count <= 0:
        return None
    try:
        for i in range(count):
            die = scopes[i]
            if dw.dwarf_tag(ctypes.byref(die)) == L.DW_TAG_subprogram and dw.dwarf_haspc(ctypes.byref(die), relative):
                copy = L.Dwarf_Die()
                ctypes.pointer(copy)[0] = die
                return copy
    finally:
        dw.free(scopes)
    return None


def _collect(
    reader: PlaceReader, parent: L.Dwarf_Die, bias: int, found: list[tuple[str | None, int]], depth: int
) -> None:
    dw = reader.dw
    child = L.Dwarf_Die()
    if depth > 16 or dw.dwarf_child(ctypes.byref(parent), ctypes.byref(child)) != 0:
        return
    attribute = L.Dwarf_Attribute()
    address = ctypes.c_uint64()
    while True:
        tag = dw.dwarf_tag(ctypes.byref(child))
        if tag in _CALL_SITES and (
            dw.dwarf_hasattr(ctypes.byref(child), L.DW_AT_call_tail_call)
            or dw.dwarf_hasattr(ctypes.byref(child), L.DW_AT_GNU_tail_call)
        ):
            callee = _referenced(dw, child, (L.DW_AT_call_origin, L.DW_AT_abstract_origin), attribute)
            for pc_attribute in (L.DW_AT_call_return_pc, L.DW_AT_low_pc):
                attr = dw.dwarf_attr(ctypes.byref(child), pc_attribute, ctypes.byref(attribute))
                if attr and dw.dwarf_formaddr(attr, ctypes.byref(address)) == 0:
                    name = reader.function_name(ctypes.pointer(callee)) if callee is not None else None
                    found.append((name, address.value + bias))
                    break
        elif tag in _NESTING:
            nested = L.Dwarf_Die()
            ctypes.pointer(nested)[0] = child
            _collect(reader, nested, bias, found, depth + 1)
        if dw.dwarf_siblingof(ctypes.byref(child), ctypes.byref(child)) != 0:
            return


def _referenced(
    dw: L.Libdw, die: L.Dwarf_Die, attributes: tuple[int, ...], attribute: L.Dwarf_Attribute
) -> L.Dwarf_Die | None:
    for name in attributes:
        attr = dw.dwarf_attr(ctypes.byref(die), name, ctypes.byref(attribute))
        target = L.Dwarf_Die()
        if attr and dw.dwarf_formref_die(attr, ctypes.byref(target)):
            return target
    return None
