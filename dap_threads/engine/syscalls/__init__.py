"""Syscall numbers and names of the ABIs dap-threads reads: x86_64, i386 and aarch64.

The tables are generated from the kernel headers (``generate.py``); this module
only looks things up. Which table applies is a property of the *process*, not
of the machine: a 32-bit program on an x86_64 kernel makes i386 calls, and
/proc/TID/syscall reports them with i386 numbers (``process_abi``).
"""

from __future__ import annotations

import enum
import importlib
import platform
import struct
from collections.abc import Mapping
from functools import cache

from .decode import Call, describe

__all__ = ["Abi", "Call", "call", "describe", "host_abi", "name_of", "names", "number_of", "process_abi"]


class Abi(enum.Enum):
    X86_64 = "x86_64"
    I386 = "i386"
    AARCH64 = "aarch64"


#: x32 programs run x86_64 calls with this bit set in the number (asm/unistd.h, __X32_SYSCALL_BIT).
X32_SYSCALL_BIT = 0x40000000

#: ELF e_machine values (man 5 elf; linux/elf-em.h).
_MACHINES = {3: Abi.I386, 62: Abi.X86_64, 183: Abi.AARCH64}

_UNAME = {
    "x86_64": Abi.X86_64,
    "amd64": Abi.X86_64,
    "i386": Abi.I386,
    "i686": Abi.I386,
    "aarch64": Abi.AARCH64,
    "arm64": Abi.AARCH64,
}


@cache
def names(abi: Abi) -> Mapping[int, str]:
    """Number -> name for one ABI."""
    module = importlib.import_module(f"{__name__}.table_{abi.value}")
    table: dict[int, str] = module.NAMES
    return table


@cache
def _numbers(abi: Abi) -> Mapping[str, int]:
    return {name: number for number, name in names(abi).items()}


def name_of(number: int, abi: Abi) -> str:
    """The call's name, or ``syscall_N`` for a number this table does not know (a newer kernel's call)."""
    if abi is Abi.X86_64:
        number &= ~X32_SYSCALL_BIT
    return names(abi).get(number) or f"syscall_{number}"


def call(number: int, args: tuple[int, ...], abi: Abi) -> Call:
    """A call in progress, named by ``abi``'s table."""
    return Call(number, name_of(number, abi), args)


def number_of(name: str, abi: Abi) -> int | None:
    return _numbers(abi).get(name)


def host_abi() -> Abi | None:
    """The ABI of this machine's own programs, or None on an architecture without a table."""
    return _UNAME.get(platform.machine().lower())


def process_abi(pid: int) -> Abi | None:
    """The ABI of the program PID runs, from its ELF header (None if unreadable or unknown).

    e_machine sits at offset 18 of every ELF header, 16 bits in the byte order
    that e_ident[EI_DATA] names (man 5 elf).
    """
    try:
        with open(f"/proc/{pid}/exe", "rb") as f:
            header = f.read(20)
    except OSError:
        return None
    if len(header) < 20 or header[:4] != b"\x7fELF":
        return None
    order = "<" if header[5] == 1 else ">"
    (machine,) = struct.unpack_from(order + "H", header, 18)
    return _MACHINES.get(machine)
