"""Naming an address: which module of /proc/PID/maps holds it, and which ELF symbol.

pyelftools reads the module's .symtab (or .dynsym when stripped). Symbol
tables are cached per (path, inode, mtime), so a rebuilt binary is re-read.
"""

from __future__ import annotations

import bisect
import functools
import logging
import os

import attrs

log = logging.getLogger(__name__)


@attrs.frozen
class Mapping:
    start: int
    end: int
    offset: int
    path: str


@attrs.frozen
class Location:
    address: int
    module: str | None
    symbol: str | None
    symbol_offset: int

    def describe(self) -> str:
        if self.symbol:
            offset = f"+{self.symbol_offset:#x}" if self.symbol_offset else ""
            return f"{self.symbol}{offset}"
        return f"{self.address:#x}"


def read_maps(pid: int) -> list[Mapping]:
    mappings = []
    try:
        with open(f"/proc/{pid}/maps") as f:
            for line in f:
                parts = line.split(maxsplit=5)
                if len(parts) < 6 or not parts[5].startswith("/"):
                    continue
                start, end = (int(x, 16) for x in parts[0].split("-"))
                mappings.append(Mapping(start, end, int(parts[2], 16), parts[5].rstrip("\n")))
    except OSError:
        pass
    return mappings


def locate(pid: int, address: int, maps: list[Mapping] | None = None) -> Location:
    for mapping in maps if maps is not None else read_maps(pid):
        if mapping.start <= address < mapping.end:
            table = _symbol_table(mapping.path, *_identity(mapping.path))
            base = _load_base(pid, mapping, maps)
            name, offset = table.lookup(address - base) if table else (None, 0)
            return Location(address, mapping.path, name, offset)
    return Location(address, None, None, 0)


def _identity(path: str) -> tuple[int, int]:
    try:
        st = os.stat(path)
        return st.st_ino, st.st_mtime_ns
    except OSError:
        return 0, 0


def _load_base(pid: int, mapping: Mapping, maps: list[Mapping] | None) -> int:
    # The module's load bias: the start of its first mapping (file offset 0).
    # ET_EXEC binaries have symbol values that are already absolute.
    first = min(
        (m for m in (maps if maps is not None else read_maps(pid)) if m.path == mapping.path),
        key=lambda m: m.start,
    )
    table = _symbol_table(mapping.path, *_identity(mapping.path))
    if table is not None and not table.relocatable:
        return 0
    return first.start - first.offset


class SymbolTable:
    def __init__(self, entries: list[tuple[int, int, str]], relocatable: bool) -> None:
        entries.sort()
        self._starts = [e[0] for e in entries]
        self._entries = entries
        self.relocatable = relocatable

    def lookup(self, offset: int) -> tuple[str | None, int]:
        i = bisect.bisect_right(self._starts, offset) - 1
        if i < 0:
            return None, 0
        start, size, name = self._entries[i]
        if size and offset >= start + size:
            return None, 0  # in a gap between functions
        return name, offset - start


@functools.lru_cache(maxsize=64)
def _symbol_table(path: str, inode: int, mtime_ns: int) -> SymbolTable | None:
    try:
        from elftools.elf.elffile import ELFFile
        from elftools.elf.sections import SymbolTableSection

        with open(path, "rb") as f:
            elf = ELFFile(f)
            relocatable = elf.header["e_type"] == "ET_DYN"
            entries = []
            for section_name in (".symtab", ".dynsym"):
                section = elf.get_section_by_name(section_name)
                if not isinstance(section, SymbolTableSection):
                    continue
                for sym in section.iter_symbols():
                    if sym["st_info"]["type"] in ("STT_FUNC", "STT_GNU_IFUNC") and sym["st_value"]:
                        entries.append((sym["st_value"], sym["st_size"], sym.name))
                if entries:
                    break
            return SymbolTable(entries, relocatable)
    except Exception:  # not ELF, unreadable, deleted: the address stays a number
        log.debug("no symbols for %s", path, exc_info=True)
        return None
