"""Generate the syscall name tables from the kernel's own headers (linux-libc-dev).

    python -m dap_threads.engine.syscalls.generate          # rewrite the table modules
    python -m dap_threads.engine.syscalls.generate --check  # exit 1 if they differ from the headers

The numbers are the kernel's ABI and are never reassigned, so the tables are
generated once and committed; ``tests/unit/test_syscall_tables.py`` regenerates
them from the machine's headers and compares.

The C preprocessor does the reading (``gcc -E -dM``): the headers decide with
``#if`` which calls exist, and evaluating those is the compiler's job, not a
regular expression's. Sources:

- x86_64: ``<asm/unistd_64.h>``, i386: ``<asm/unistd_32.h>`` (Debian installs
  both in /usr/include/x86_64-linux-gnu/asm/ with linux-libc-dev).
- aarch64: ``<asm/unistd.h>`` where the machine is an aarch64 one; elsewhere
  ``asm-generic/unistd.h``, the table arm64 is built from, with the switches
  arm64's ``arch/arm64/include/uapi/asm/unistd.h`` sets before including it
  (``AARCH64_WANTS``) and a 64-bit ``__BITS_PER_LONG``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import attrs

HERE = Path(__file__).resolve().parent

#: What arch/arm64/include/uapi/asm/unistd.h defines before it includes
#: asm-generic/unistd.h (Linux 5.3 to 6.10; from 6.11 on arm64 generates the
#: same numbers from scripts/syscall.tbl).
AARCH64_WANTS = (
    "__ARCH_WANT_RENAMEAT",
    "__ARCH_WANT_NEW_STAT",
    "__ARCH_WANT_SET_GET_RLIMIT",
    "__ARCH_WANT_TIME32_SYSCALLS",
    "__ARCH_WANT_SYS_CLONE3",
    "__ARCH_WANT_MEMFD_SECRET",
)

#: Macros of asm-generic/unistd.h that look like calls and are not: a count,
#: and the first number of a range each architecture may fill (arm64 leaves it empty).
NOT_CALLS = frozenset({"syscalls", "arch_specific_syscall"})

_DEFINE = re.compile(r"#define\s+(\w+)\s+(.+?)\s*$")


class HeadersMissing(RuntimeError):
    """The headers (or the compiler) to generate a table from are not on this machine."""


@attrs.frozen
class Table:
    abi: str
    source: str  # the header, as the generated module's docstring names it
    linux: str  # "6.1": the headers' version (numbers never change within one)
    names: Mapping[int, str]


def include_dir() -> Path:
    return Path(os.environ.get("DAP_THREADS_INCLUDE", "/usr/include"))


def multiarch_dir(triplet: str) -> Path:
    return include_dir() / triplet


def preprocess(source: str, *args: str) -> str:
    """The macro definitions gcc sees after preprocessing ``source``."""
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        raise HeadersMissing("no C compiler (gcc or cc) to read the kernel headers with: apt-get install gcc")
    done = subprocess.run(
        [gcc, "-E", "-dM", "-nostdinc", "-I", str(include_dir()), *args, "-x", "c", "-"],
        input=source,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise HeadersMissing(f"gcc could not read the headers: {done.stderr.strip()[:500]}")
    return done.stdout


def defines(macros: str) -> dict[str, str]:
    defined: dict[str, str] = {}
    for line in macros.splitlines():
        match = _DEFINE.match(line)
        if match:
            defined[match.group(1)] = match.group(2)
    return defined


def parse_numbers(macros: str) -> dict[int, str]:
    """Number -> name from ``#define __NR_name VALUE`` lines, following aliases (__NR_fcntl __NR3264_fcntl)."""
    defined = defines(macros)
    names: dict[int, str] = {}
    for macro in defined:
        if not macro.startswith("__NR_"):
            continue
        name = macro.removeprefix("__NR_")
        number = _resolve(macro, defined)
        if name in NOT_CALLS or number is None:
            continue
        if number in names:
            raise ValueError(f"syscall {number} is both {names[number]} and {name}")
        names[number] = name
    return dict(sorted(names.items()))


def _resolve(macro: str, defined: Mapping[str, str]) -> int | None:
    value = defined.get(macro)
    for _ in range(8):
        if value is None:
            return None
        value = value.strip("() ")
        if re.fullmatch(r"\d+", value):
            return int(value)
        value = defined.get(value)
    return None


def linux_version() -> str:
    macros = preprocess("#include <linux/version.h>\n")
    fields = defines(macros)
    if "LINUX_VERSION_MAJOR" in fields:
        return f"{fields['LINUX_VERSION_MAJOR']}.{fields['LINUX_VERSION_PATCHLEVEL']}"
    code = int(fields["LINUX_VERSION_CODE"])
    return f"{code >> 16}.{(code >> 8) & 0xFF}"


def host_include_args() -> tuple[str, ...]:
    """``-I`` for this machine's multiarch header folder (asm/ lives there on Debian)."""
    gcc = shutil.which("gcc") or shutil.which("cc")
    triplet = subprocess.run([gcc, "-print-multiarch"], capture_output=True, text=True).stdout.strip() if gcc else ""
    return ("-I", str(multiarch_dir(triplet))) if triplet else ()


def x86_table(abi: str, header: str) -> Table:
    asm = multiarch_dir("x86_64-linux-gnu")
    if not (asm / "asm" / header).exists():
        raise HeadersMissing(f"{asm / 'asm' / header} is absent (Debian: apt-get install linux-libc-dev on x86_64)")
    macros = preprocess(f"#include <asm/{header}>\n", "-I", str(asm))
    return Table(abi, f"<asm/{header}>", linux_version(), parse_numbers(macros))


def aarch64_table() -> Table:
    native = multiarch_dir("aarch64-linux-gnu")
    if (native / "asm" / "unistd.h").exists():
        macros = preprocess("#include <asm/unistd.h>\n", "-I", str(native))
        return Table("aarch64", "<asm/unistd.h> (aarch64)", linux_version(), parse_numbers(macros))
    generic = include_dir() / "asm-generic" / "unistd.h"
    if not generic.exists():
        raise HeadersMissing(f"{generic} is absent (Debian: apt-get install linux-libc-dev)")
    # asm-generic/unistd.h takes the word size from <asm/bitsperlong.h>, which is
    # the build machine's: state arm64's instead.
    text = generic.read_text().replace("#include <asm/bitsperlong.h>", "")
    wants = "".join(f"#define {want}\n" for want in AARCH64_WANTS)
    macros = preprocess(wants + "#define __BITS_PER_LONG 64\n" + text)
    source = "<asm-generic/unistd.h> with arm64's __ARCH_WANT_* switches"
    return Table("aarch64", source, linux_version(), parse_numbers(macros))


def tables() -> dict[str, Table | HeadersMissing]:
    """Every table this machine's headers can give; a HeadersMissing where they cannot."""
    makers = {
        "x86_64": lambda: x86_table("x86_64", "unistd_64.h"),
        "i386": lambda: x86_table("i386", "unistd_32.h"),
        "aarch64": aarch64_table,
    }
    out: dict[str, Table | HeadersMissing] = {}
    for abi, make in makers.items():
        try:
            out[abi] = make()
        except HeadersMissing as exc:
            out[abi] = exc
    return out


def module_text(table: Table) -> str:
    """The table as a Python module, formatted as ruff formats it."""
    rows = "".join(f'    {number}: "{name}",\n' for number, name in table.names.items())
    return (
        f'"""Syscall numbers of the {table.abi} Linux ABI: {len(table.names)} calls.\n'
        "\n"
        "Generated by `python -m dap_threads.engine.syscalls.generate` from\n"
        f"{table.source}, Linux {table.linux}'s headers. Do not edit: regenerate.\n"
        '"""\n'
        "\n"
        f'LINUX = "{table.linux}"\n'
        "\n"
        "NAMES: dict[int, str] = {\n"
        f"{rows}"
        "}\n"
    )


def module_path(abi: str) -> Path:
    return HERE / f"table_{abi}.py"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 on a difference")
    args = parser.parse_args(argv)
    status = 0
    for abi, table in tables().items():
        if isinstance(table, HeadersMissing):
            print(f"{abi}: skipped: {table}", file=sys.stderr)
            continue
        path, text = module_path(abi), module_text(table)
        if args.check:
            same = path.exists() and path.read_text() == text
            print(f"{abi}: {'same' if same else 'DIFFERS'} ({len(table.names)} calls)", file=sys.stderr)
            status |= not same
        else:
            path.write_text(text)
            print(f"{abi}: wrote {path} ({len(table.names)} calls)", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
