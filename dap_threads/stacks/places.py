"""The functions at one address of a module, innermost first, with source lines: inline frames included.

DWARF describes an inlined call as a DW_TAG_inlined_subroutine scope inside
its caller's scope; the call site is the scope's DW_AT_call_file /
DW_AT_call_line / DW_AT_call_column (DWARF 5, section 3.3.8.2). So at one
address the line table gives the innermost function's line, and each
inlined scope, walking outwards, gives the line of its caller: that is how
gdb and ``eu-stack -i`` show inline frames, and what is done here.

Names: a function's linkage name (demangled) where DWARF has one (C++, Rust),
else its DW_AT_name (C, Go), both read through DW_AT_abstract_origin and
DW_AT_specification (``dwarf_attr_integrate``); without DWARF, the ELF
symbol. Parameter lists are dropped, as in gdb's frame lines.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Sequence

from . import libdw as L
from .demangle import demangle, drop_parameters
from .model import Place
from .scopes import FunctionIndex


class PlaceReader:
    """Reads Places for addresses of one Dwfl's modules (caching per-CU file tables)."""

    def __init__(self, dw: L.Libdw) -> None:
        self._dw = dw
        self.dw = dw
        self._units: dict[int, list[L.Dwarf_Die]] = {}  # module -> its CU DIEs (modules without .debug_aranges)
        self._indexes: dict[int, FunctionIndex] = {}  # Dwarf_CU -> its functions nested in namespaces
        self.bias = ctypes.c_uint64()
        self._attr = L.Dwarf_Attribute()
        self._word = ctypes.c_uint64()

    def symbol(self, module: int, address: int) -> tuple[str | None, int | None]:
        """The ELF symbol containing ``address`` (raw, not demangled), and the offset into it."""
        offset = ctypes.c_uint64()
        sym = L.GElf_Sym()
        name = self._dw.dwfl_module_addrinfo(module, address, ctypes.byref(offset), ctypes.byref(sym), None, None, None)
        if not name:
            return None, None
        return name.decode("utf-8", "replace"), offset.value

    def symbol_span(self, module: int, address: int) -> tuple[str, int, int] | None:
        """(raw name, offset of ``address`` into it, size) of the ELF symbol containing ``address``."""
        offset = ctypes.c_uint64()
        sym = L.GElf_Sym()
        name = self._dw.dwfl_module_addrinfo(module, address, ctypes.byref(offset), ctypes.byref(sym), None, None, None)
        if not name:
            return None
        return name.decode("utf-8", "replace"), offset.value, sym.st_size

    def line(self, module: int, address: int) -> tuple[str | None, int | None, int | None]:
        """(file, line, column) of ``address`` from the module's line table (no inline scopes)."""
        cu = self.unit(module, address)
        if cu is None:
            return None, None, None
        return self._line_in(cu, address - self.bias.value)

    def unit(self, module: int, address: int) -> ctypes._Pointer[L.Dwarf_Die] | None:
        """The CU whose ranges hold ``address`` (and sets ``bias``), or None.

        libdwfl finds a CU through .debug_aranges, and answers with the
        nearest CU below an address that no CU holds (a crt file's _start,
        linked after main's CU, would be given main's file and last line):
        its answer is checked against the CU's own ranges, and without one,
        every CU is asked.
        """
        dw = self._dw
        cu: ctypes._Pointer[L.Dwarf_Die] | None = dw.dwfl_module_addrdie(module, address, ctypes.byref(self.bias))
        if cu and dw.dwarf_haspc(cu, address - self.bias.value) == 1:
            return cu
        found = self._unit_by_ranges(module, address)
        return ctypes.pointer(found) if found is not None else None

    def places(self, module: int, address: int) -> list[Place]:
        """Innermost first; empty when the module has no DWARF for ``address``."""
        dw = self._dw
        cu = self.unit(module, address)
        if cu is None:
            return []
        file, line, column = self._line_in(cu, address - self.bias.value)
        scopes = ctypes.POINTER(L.Dwarf_Die)()
        count = dw.dwarf_getscopes(cu, address - self.bias.value, ctypes.byref(scopes))
        if count <= 0:
            # Functions nested in namespaces (Rust) are out of dwarf_getscopes' reach.
            nested_in_namespaces = self._functions(cu).scopes(address - self.bias.value)
            if nested_in_namespaces:
                return self._walk(cu, nested_in_namespaces, len(nested_in_namespaces), file, line, column)
            return [Place(None, file, line, column)] if line else []
        # dwarf_getscopes continues past an inlined call into the scopes of
        # the function's abstract (out-of-line) definition; the concrete
        # nesting -- which function each inlined call sits in -- is that of
        # the innermost scope's DIE, as eu-addr2line -i reads it.
        nested = ctypes.POINTER(L.Dwarf_Die)()
        try:
            count = dw.dwarf_getscopes_die(scopes, ctypes.byref(nested))
        finally:
            dw.free(scopes)
        if count <= 0:
            return [Place(None, file, line, column)] if line else []
        try:
            return self._walk(cu, nested, count, file, line, column)
        finally:
            dw.free(nested)

    def _functions(self, cu: ctypes._Pointer[L.Dwarf_Die]) -> FunctionIndex:
        key = cu.contents.cu or 0  # the Dwarf_CU: one per CU while the modules stay (Symbolizer.forget)
        index = self._indexes.get(key)
        if index is None:
            index = self._indexes[key] = FunctionIndex(self._dw, cu)
        return index

    def _walk(
        self,
        cu: ctypes._Pointer[L.Dwarf_Die],
        scopes: ctypes._Pointer[L.Dwarf_Die] | Sequence[L.Dwarf_Die],
        count: int,
        file: str | None,
        line: int | None,
        column: int | None,
    ) -> list[Place]:
        dw = self._dw
        found: list[Place] = []
        for i in range(count):
            die = ctypes.pointer(scopes[i])
            tag = dw.dwarf_tag(die)
            if tag == L.DW_TAG_inlined_subroutine:
                found.append(Place(self.function_name(die), file, line, column, inlined=True))
                file, line, column = self._call_site(cu, die)
            elif tag == L.DW_TAG_subprogram:
                found.append(Place(self.function_name(die), file, line, column))
                break
        if not found and line:
            found.append(Place(None, file, line, column))
        return found

    def _unit_by_ranges(self, module: int, address: int) -> L.Dwarf_Die | None:
        """The CU holding ``address``, found by each CU's own ranges.

        libdwfl (0.188) finds a CU through .debug_aranges, which some
        compilers do not write (Go's linker among them); then every CU's
        DW_AT_ranges / low_pc-high_pc is asked, as gdb does.
        """
        dw = self._dw
        dwarf = dw.dwfl_module_getdwarf(module, ctypes.byref(self.bias))
        if not dwarf:
            return None
        units = self._units.get(module)
        if units is None:
            units = self._units[module] = self._all_units(dwarf)
        relative = address - self.bias.value
        for unit in units:
            if dw.dwarf_haspc(ctypes.byref(unit), relative) == 1:
                return unit
        return None

    def _all_units(self, dwarf: int) -> list[L.Dwarf_Die]:
        dw = self._dw
        units = []
        offset, following, header = 0, ctypes.c_uint64(), ctypes.c_size_t()
        while dw.dwarf_nextcu(dwarf, offset, ctypes.byref(following), ctypes.byref(header), None, None, None) == 0:
            die = L.Dwarf_Die()
            if dw.dwarf_offdie(dwarf, offset + header.value, ctypes.byref(die)):
                units.append(die)
            offset = following.value
        return units

    def _line_in(self, cu: ctypes._Pointer[L.Dwarf_Die], relative: int) -> tuple[str | None, int | None, int | None]:
        dw = self._dw
        handle = dw.dwarf_getsrc_die(cu, relative)
        if not handle:
            return None, None, None
        line, column = ctypes.c_int(), ctypes.c_int()
        dw.dwarf_lineno(handle, ctypes.byref(line))
        dw.dwarf_linecol(handle, ctypes.byref(column))
        name = dw.dwarf_linesrc(handle, None, None)
        attr = dw.dwarf_attr(cu, L.DW_AT_comp_dir, ctypes.byref(self._attr))
        comp_dir = dw.dwarf_formstring(attr) if attr else None
        return (_join(comp_dir, name) if name else None), line.value or None, column.value or None

    def _call_site(
        self, cu: ctypes._Pointer[L.Dwarf_Die], die: ctypes._Pointer[L.Dwarf_Die]
    ) -> tuple[str | None, int | None, int | None]:
        index = self._udata(die, L.DW_AT_call_file)
        file = self._file_name(die, index) if index is not None else None
        return file, self._udata(die, L.DW_AT_call_line), self._udata(die, L.DW_AT_call_column)

    def _file_name(self, die: ctypes._Pointer[L.Dwarf_Die], index: int) -> str | None:
        # The file table is the one of the CU that holds the inlined scope
        # (its DW_AT_call_file indexes that CU's line table header).
        dw = self._dw
        cu_die = L.Dwarf_Die()
        if not dw.dwarf_diecu(die, ctypes.byref(cu_die), None, None):
            return None
        files, nfiles = ctypes.c_void_p(), ctypes.c_size_t()
        if dw.dwarf_getsrcfiles(ctypes.byref(cu_die), ctypes.byref(files), ctypes.byref(nfiles)) != 0:
            return None
        if index >= nfiles.value:
            return None
        name = dw.dwarf_filesrc(files, index, None, None)
        if not name:
            return None
        attr = dw.dwarf_attr(ctypes.byref(cu_die), L.DW_AT_comp_dir, ctypes.byref(self._attr))
        comp_dir = dw.dwarf_formstring(attr) if attr else None
        return _join(comp_dir, name)

    def _udata(self, die: ctypes._Pointer[L.Dwarf_Die], attribute: int) -> int | None:
        attr = self._dw.dwarf_attr(die, attribute, ctypes.byref(self._attr))
        if not attr or self._dw.dwarf_formudata(attr, ctypes.byref(self._word)) != 0:
            return None
        return self._word.value

    def function_name(self, die: ctypes._Pointer[L.Dwarf_Die]) -> str | None:
        dw = self._dw
        for attribute in (L.DW_AT_linkage_name, L.DW_AT_MIPS_linkage_name):
            attr = dw.dwarf_attr_integrate(die, attribute, ctypes.byref(self._attr))
            if attr:
                linkage = dw.dwarf_formstring(attr)
                if linkage:
                    return drop_parameters(demangle(linkage.decode("utf-8", "replace")))
        name = dw.dwarf_diename(die)
        if not name:
            return None
        text: str = name.decode("utf-8", "replace")
        return self._qualifier(die) + text

    def _qualifier(self, die: ctypes._Pointer[L.Dwarf_Die]) -> str:
        """``ns::Class::`` for a function DWARF names without a linkage name (C++ inline members).

        The namespaces and classes are those around the function's
        declaration, reached from an inlined or out-of-line instance through
        DW_AT_abstract_origin and DW_AT_specification.
        """
        dw = self._dw
        declaration = die
        for attribute in (L.DW_AT_abstract_origin, L.DW_AT_specification):
            attr = dw.dwarf_attr(declaration, attribute, ctypes.byref(self._attr))
            target = L.Dwarf_Die()
            if attr and dw.dwarf_formref_die(attr, ctypes.byref(target)):
                declaration = ctypes.pointer(target)
        scopes = ctypes.POINTER(L.Dwarf_Die)()
        count = dw.dwarf_getscopes_die(declaration, ctypes.byref(scopes))
        if count <= 1:
            if count > 0:
                dw.free(scopes)
            return ""
        try:
            parts = []
            for i in range(count - 2, 0, -1):  # outermost first; [0] is the function, [-1] the CU
                scope = ctypes.pointer(scopes[i])
                tag = dw.dwarf_tag(scope)
                if tag in _QUALIFYING_TAGS:
                    name = dw.dwarf_diename(scope)
                    parts.append(name.decode("utf-8", "replace") if name else _UNNAMED.get(tag, "{unnamed}"))
            return "".join(f"{part}::" for part in parts)
        finally:
            dw.free(scopes)


# gdb's spellings; an unnamed class or struct with a member function is, in practice, a lambda's closure.
_UNNAMED = {
    L.DW_TAG_namespace: "(anonymous namespace)",
    L.DW_TAG_class_type: "{lambda}",
    L.DW_TAG_structure_type: "{lambda}",
}
_QUALIFYING_TAGS = frozenset(
    {L.DW_TAG_namespace, L.DW_TAG_class_type, L.DW_TAG_structure_type, L.DW_TAG_union_type, L.DW_TAG_subprogram}
)


def _join(directory: bytes | None, name: bytes) -> str:
    """The source path: relative names are relative to the CU's DW_AT_comp_dir when that is absolute.

    A relative comp_dir is the sign of -fdebug-prefix-map (distribution
    packages: "./nptl" for /build/glibc-XXX/nptl): the build tree is gone,
    and the names are left as the compiler wrote them, as gdb shows them.
    """
    path = name.decode("utf-8", "replace")
    if directory and directory.startswith(b"/") and not os.path.isabs(path):
        path = os.path.normpath(os.path.join(directory.decode("utf-8", "replace"), path))
    return path
