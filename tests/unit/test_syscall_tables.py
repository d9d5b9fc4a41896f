"""The committed syscall tables are what the kernel headers say.

They are generated (``python -m dap_threads.engine.syscalls.generate``) and
committed; here they are generated again from this machine's headers and
compared. Syscall numbers are ABI and never change, so headers of another
Linux version must agree on every number both know; headers of the same
version must give exactly the committed table.
"""

from __future__ import annotations

import importlib
import warnings

import pytest

from dap_threads.engine import syscalls
from dap_threads.engine.syscalls import Abi, generate

ABIS = [abi.value for abi in Abi]


@pytest.fixture(scope="module")
def regenerated() -> dict[str, generate.Table | generate.HeadersMissing]:
    return generate.tables()


@pytest.mark.parametrize("abi", ABIS)
def test_committed_table_matches_the_machines_headers(abi, regenerated):
    table = regenerated[abi]
    if isinstance(table, generate.HeadersMissing):
        pytest.skip(f"cannot regenerate the {abi} table on this machine: {table}")
    committed = importlib.import_module(f"dap_threads.engine.syscalls.table_{abi}")
    fix = "regenerate with: python -m dap_threads.engine.syscalls.generate"
    if table.linux == committed.LINUX:
        assert dict(table.names) == committed.NAMES, (
            f"the {abi} table differs from Linux {table.linux}'s headers; {fix}"
        )
        return
    clashes = {
        number: (committed.NAMES[number], name)
        for number, name in table.names.items()
        if number in committed.NAMES and committed.NAMES[number] != name
    }
    assert not clashes, f"{abi}: numbers named differently by Linux {table.linux}'s headers: {clashes}"
    new = sorted(set(table.names) - set(committed.NAMES))
    if new:
        warnings.warn(
            f"{abi}: Linux {table.linux}'s headers know {len(new)} calls the committed table (Linux {committed.LINUX})"
            f" lacks, e.g. {[table.names[n] for n in new[:5]]}; {fix}",
            stacklevel=1,
        )


@pytest.mark.parametrize("abi", ABIS)
def test_the_generated_module_is_what_the_generator_writes(abi):
    # The committed file is the generator's output byte for byte (nobody edited it by hand).
    committed = importlib.import_module(f"dap_threads.engine.syscalls.table_{abi}")
    text = generate.module_path(abi).read_text()
    source = text.split("from\n", 1)[1].split(", Linux ", 1)[0]
    table = generate.Table(abi, source, committed.LINUX, committed.NAMES)
    assert generate.module_text(table) == text


def test_aarch64_table_has_the_calls_arm64_switches_on():
    # Each __ARCH_WANT_* arm64 sets brings calls the generic table leaves out;
    # the numbers are arm64's (arch/arm64 uses asm-generic/unistd.h's layout).
    names = syscalls.names(Abi.AARCH64)
    assert names[63] == "read" and names[98] == "futex" and names[220] == "clone"
    assert names[38] == "renameat"  # __ARCH_WANT_RENAMEAT
    assert names[80] == "fstat" and names[79] == "newfstatat"  # __ARCH_WANT_NEW_STAT
    assert names[163] == "getrlimit"  # __ARCH_WANT_SET_GET_RLIMIT
    assert names[101] == "nanosleep"  # __ARCH_WANT_TIME32_SYSCALLS (64-bit time on arm64)
    assert names[435] == "clone3" and names[447] == "memfd_secret"
    assert 244 not in names  # arch_specific_syscall: a range arm64 leaves empty
    assert "fcntl64" not in names.values() and names[25] == "fcntl"  # the 64-bit names of __SC_3264


def test_x86_tables_know_the_common_calls():
    x86_64, i386 = syscalls.names(Abi.X86_64), syscalls.names(Abi.I386)
    assert (x86_64[0], x86_64[202], x86_64[56], x86_64[230]) == ("read", "futex", "clone", "clock_nanosleep")
    assert (i386[3], i386[240], i386[120], i386[102]) == ("read", "futex", "clone", "socketcall")


def test_lookups():
    assert syscalls.name_of(202, Abi.X86_64) == "futex"
    assert syscalls.name_of(202 | syscalls.X32_SYSCALL_BIT, Abi.X86_64) == "futex"
    assert syscalls.name_of(99999, Abi.AARCH64) == "syscall_99999"
    assert syscalls.number_of("futex", Abi.AARCH64) == 98
    assert syscalls.number_of("no_such_call", Abi.X86_64) is None


def test_process_abi_reads_the_programs_elf_header():
    import os

    assert syscalls.process_abi(os.getpid()) == syscalls.host_abi()
    assert syscalls.process_abi(2**22 + 12345) is None  # no such process
