"""Unwinding the threads of a stopped process with libdwfl, and closing each stack cleanly.

libdwfl is attached to the process with ``dwfl_linux_proc_attach(dwfl, pid,
assume_ptrace_stopped=true)``: it then reads each thread's registers with
PTRACE_GETREGS and its stack with process_vm_readv (or PTRACE_PEEKDATA),
and never attaches or detaches itself. Those ptrace calls are accepted only
from the thread that traces the process (man 2 ptrace, "Attaching and
detaching"), and only for a thread in ptrace-stop: unwinding runs on the
ptrace owner, and callers unwind only threads they hold stopped.

A stack ends in one of four ways: at the outermost frame (libdwfl finds the
return address undefined, as glibc's CFI marks it in _start and clone3: no
label), or early with a label frame ``[unwinding stopped: reason]`` when
libdwfl cannot unwind a frame (no CFI, unreadable memory: a corrupt stack or
JIT code), when a frame repeats (same pc and stack pointer: the unwinder
would loop forever), or at the depth cap.
"""

from __future__ import annotations

import ctypes
import logging
import os
import platform
import threading
from collections.abc import Callable, Collection, Iterable

import attrs

from ..engine import procfs
from ..engine.owner import on_ptrace_owner
from ..engine.syscalls import process_abi
from . import libdw as L
from . import running_copy
from .model import Frame, Module, Stack, label_frame
from .modules import describe, identity, module_pointers
from .subtle import mark_subtle
from .symbolize import Symbolizer, SymbolSpan

log = logging.getLogger(__name__)

DEFAULT_MAX_FRAMES = 256

#: DWARF register numbers -> names, for the registers a frame's unwinding restores (System V psABI maps).
FRAME_REGISTERS = {
    "x86_64": (
        "rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip",
    ),
    "aarch64": (*(f"x{i}" for i in range(31)), "sp"),
    # a 32-bit program on an x86_64 kernel (System V i386 psABI, DWARF register map)
    "i386": ("eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eip"),
}  # fmt: skip

#: What a call preserves (System V x86_64 psABI 3.2.1; AAPCS64 6.1.1), with the stack pointer and pc:
#: in a caller's frame, only these hold the caller's values. libdwfl carries every other register
#: over from the callee ("same value"), which would show a callee's scratch values as the caller's.
PRESERVED = {
    "x86_64": frozenset({"rbx", "rbp", "r12", "r13", "r14", "r15", "rsp", "rip"}),
    "aarch64": frozenset({*(f"x{i}" for i in range(19, 30)), "sp"}),
    "i386": frozenset({"ebx", "esi", "edi", "ebp", "esp", "eip"}),
}


class UnwindError(RuntimeError):
    """The process cannot be read (gone, not stopped, not ours); the message says which."""


class Walk:
    """The raw frames of one thread: (pc, activation, registers) innermost first, and why the walk ended early.

    Taken on the ptrace owner (``StackReader.walk``); turned into a Stack,
    with names and lines, by ``StackReader.finish`` on any thread.
    """

    def __init__(self, tid: int, max_frames: int, registers: tuple[str, ...] | None) -> None:
        self.tid = tid
        self.max_frames = max_frames
        self.registers = registers
        self.frames: list[tuple[int, bool, dict[str, int] | None]] = []
        self.seen: set[tuple[int, int]] = set()
        self.stopped: str | None = None


class StackReader:
    """Stacks of the threads of one process, which the caller holds in ptrace-stop.

    libdw is not thread-safe for one Dwfl (elfutils 0.188), so every use of
    it holds ``_lock``: the ptrace owner walks stacks while another thread
    may be loading debug info (``preload``) or symbolizing (``finish``).
    """

    def __init__(self, pid: int, dw: L.Libdw | None = None) -> None:
        self.pid = pid
        self._dw = dw or L.load()
        self._lock = threading.RLock()
        # The program's, not the host's: a 32-bit program's frames hold i386 registers.
        abi = process_abi(pid)
        self._machine = abi.value if abi is not None else platform.machine()
        self._sp_regno = L.SP_REGNO.get(self._machine, 7)
        self._callbacks = self._dw.standard_callbacks()  # libdwfl keeps a pointer to it: keep it alive
        # Deleted, replaced and memfd executables: their running copy (kept alive like the callbacks).
        self._find_elf = running_copy.find_elf(self._dw, pid)
        self._callbacks.find_elf = ctypes.cast(self._find_elf, ctypes.c_void_p).value
        self._dwfl = self._dw.dwfl_begin(ctypes.byref(self._callbacks))
        if not self._dwfl:
            raise UnwindError(f"libdw could not start: {self._dw.errmsg()}")
        self._maps: bytes | None = None
        self._walk: Walk | None = None
        self._pc = ctypes.c_uint64()
        self._activation = ctypes.c_bool()
        self._value = ctypes.c_uint64()
        self._on_frame_c = L.FRAME_CALLBACK(self._on_frame)
        self.symbolizer = Symbolizer(self._dw, self._dwfl)
        self._stacks: dict[tuple[tuple[tuple[int, bool], ...], str | None], tuple[Frame, ...]] = {}
        try:
            self.refresh()
            if self._dw.dwfl_linux_proc_attach(self._dwfl, pid, True) != 0:
                raise UnwindError(f"libdw could not read process {pid}: {self._dw.errmsg()}")
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        with self._lock:
            if self._dwfl:
                self._dw.dwfl_end(self._dwfl)
                self._dwfl = None

    def __enter__(self) -> StackReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def maps_changed(self) -> bool:
        """Whether the files mapped in /proc/PID/maps changed since the modules were read (no libdw call)."""
        try:
            return self._file_mappings() != self._maps
        except UnwindError:
            return True

    def _file_mappings(self) -> bytes:
        """The lines of /proc/PID/maps that map a file or the vDSO: what modules are made of.

        Anonymous mappings (every thread's stack, the heap) come and go with
        threads and allocations; comparing them would re-read the modules
        (and drop the symbol caches) at every stop of a program that creates
        threads.
        """
        try:
            with open(f"/proc/{self.pid}/maps", "rb") as f:
                lines = f.read().splitlines()
        except OSError as exc:
            raise UnwindError(f"cannot read the memory map of process {self.pid}: {exc.strerror}") from None
        return b"\n".join(line for line in lines if b" /" in line or line.endswith(b"[vdso]"))

    def refresh(self) -> bool:
        """Re-read the process's modules if the files it maps changed (dlopen, dlclose); True if they did.

        Modules that stay are kept by libdwfl with the debug info already
        loaded; only the per-address cache is dropped.
        """
        maps = self._file_mappings()
        if maps == self._maps:
            return False
        with self._lock:
            self._maps = maps
            dw = self._dw
            dw.dwfl_report_begin(self._dwfl)
            if dw.dwfl_linux_proc_report(self._dwfl, self.pid) != 0:
                dw.dwfl_report_end(self._dwfl, None, None)
                raise UnwindError(f"libdw could not read the modules of process {self.pid}: {dw.errmsg()}")
            dw.dwfl_report_end(self._dwfl, None, None)
            self.symbolizer.forget()
            self._stacks.clear()
        return True

    def modules(self) -> list[Module]:
        """Every loaded ELF object, lowest address first (their debug info is looked for, not loaded)."""
        with self._lock:
            found = [describe(self._dw, pointer) for pointer in module_pointers(self._dw, self._dwfl)]
        return sorted(found, key=lambda m: m.start)

    def preload(self) -> None:
        """Load the DWARF of the program and of the C library, which nearly every stack passes through.

        Loading libc6-dbg's debug file costs about 100 ms (its sections are
        compressed): done ahead, on any thread, while the program runs, the
        first stack after a pause does not pay it. One module per hold of
        the lock, so a walk waits for one module at most.
        """
        try:
            program = os.path.realpath(f"/proc/{self.pid}/exe")
        except OSError:
            program = None
        with self._lock:
            if not self._dwfl:
                return
            wanted = [
                pointer
                for pointer in module_pointers(self._dw, self._dwfl)
                if _worth_preloading(identity(self._dw, pointer)[1], program)
            ]
        bias = ctypes.c_uint64()
        for pointer in wanted:
            with self._lock:
                # A refresh in between may have freed the module: load only one still there.
                if self._dwfl and pointer in module_pointers(self._dw, self._dwfl):
                    self._dw.dwfl_module_getdwarf(pointer, ctypes.byref(bias))

    @on_ptrace_owner
    def stack(self, tid: int, max_frames: int = DEFAULT_MAX_FRAMES, registers: bool = False) -> Stack:
        """The stack of ``tid`` (a thread of this process in ptrace-stop), innermost frame first."""
        return self.finish(self.walk(tid, max_frames, registers))

    @on_ptrace_owner
    def walk(self, tid: int, max_frames: int = DEFAULT_MAX_FRAMES, registers: bool = False, wait: bool = True) -> Walk:
        """The raw frames of ``tid`` (libdwfl reads its registers and stack with ptrace: on the owner).

        ``wait=False``: raise UnwindError at once, instead of waiting, while another
        thread holds libdw (loading debug info ahead can take 100 ms).
        """
        names = FRAME_REGISTERS.get(self._machine) if registers else None
        walk = Walk(tid, max_frames, names)
        if not self._lock.acquire(blocking=wait):
            raise UnwindError("the stack reader is busy loading debug info")
        try:
            if not self._dwfl:
                raise UnwindError("the stack reader is closed")
            self._walk = walk
            try:
                result = self._dw.dwfl_getthread_frames(self._dwfl, tid, self._on_frame_c, None)
            finally:
                self._walk = None
            error = self._dw.errmsg() if result == -1 else None
            if result == -1 and not walk.frames:
                raise UnwindError(self._thread_error(tid, error))
            walk.stopped = walk.stopped or (self._reason(walk.frames[-1][0], error) if error else None)
        finally:
            self._lock.release()
        return walk

    def symbolized(self, walk: Walk) -> bool:
        """Whether every address of ``walk`` was symbolized before (then ``finish`` is quick)."""
        return all(self.symbolizer.known(pc, activation) for pc, activation, _ in walk.frames)

    def finish(self, walk: Walk) -> Stack:
        """The Stack of a walk: names, lines, inline frames, subtle marks (any thread; may load debug info)."""
        key = (tuple((pc, activation) for pc, activation, _ in walk.frames), walk.stopped)
        with self._lock:
            if not self._dwfl:
                raise UnwindError("the stack reader is closed")
            frames = None if walk.registers else self._stacks.get(key)
            if frames is None:
                frames = self._frames(walk, walk.stopped)
                if not walk.registers:
                    # Threads parked at the same addresses (a pool's workers) share one result.
                    if len(self._stacks) > 50_000:
                        self._stacks.clear()
                    self._stacks[key] = frames
        return Stack(tid=walk.tid, frames=frames, stopped=walk.stopped)

    def _frames(self, walk: Walk, stopped: str | None) -> tuple[Frame, ...]:
        frames: list[Frame] = []
        for pc, activation, regs in walk.frames:
            if frames and not activation:
                # A function that jumped to the frame above left none of its own (stacks.tailcalls).
                frames.extend(self.symbolizer.tail_call_frames(self.pid, pc, frames[-1]))
            expanded = self.symbolizer.frames(pc, activation)
            if regs is not None:
                # Inline frames share their physical frame's registers.
                expanded = tuple(attrs.evolve(f, registers=regs) for f in expanded)
            frames.extend(expanded)
        if stopped:
            frames.append(label_frame(walk.frames[-1][0], stopped))
        return mark_subtle(frames)

    @on_ptrace_owner
    def stacks(self, tids: Iterable[int], max_frames: int = DEFAULT_MAX_FRAMES) -> list[Stack]:
        """Stacks of several stopped threads; a thread that cannot be read gets a one-label stack."""
        return stacks_of(self.stack, tids, max_frames)

    # ----- addresses, for disassembly ---------------------------------------------------

    def symbol_at(self, address: int) -> SymbolSpan | None:
        """The ELF symbol holding ``address`` (name demangled, start, size), or None."""
        with self._lock:
            return self.symbolizer.symbol_at(address) if self._dwfl else None

    def line_at(self, address: int) -> tuple[str, int, int | None] | None:
        """(file, line, column) of the instruction at ``address`` from the line table, or None."""
        with self._lock:
            return self.symbolizer.line_at(address) if self._dwfl else None

    # ----- the per-frame callback ------------------------------------------------------

    def _on_frame(self, frame: int, _arg: int) -> int:
        # Called by libdwfl for each frame, innermost first; an exception here
        # would be printed by ctypes and lost, so none may escape.
        walk = self._walk
        try:
            assert walk is not None
            dw = self._dw
            if not dw.dwfl_frame_pc(frame, ctypes.byref(self._pc), ctypes.byref(self._activation)):
                walk.stopped = f"the program counter of frame #{len(walk.frames)} is unknown"
                return L.DWARF_CB_ABORT
            pc = self._pc.value
            sp = self._value.value if dw.dwfl_frame_reg(frame, self._sp_regno, ctypes.byref(self._value)) == 0 else 0
            if (pc, sp) in walk.seen:
                walk.stopped = f"frame repeats (pc {pc:#x}, stack pointer {sp:#x}): the stack is corrupt"
                return L.DWARF_CB_ABORT
            walk.seen.add((pc, sp))
            activation = self._activation.value or not walk.frames
            regs = None
            if walk.registers:
                # A caller's frame (not one a signal interrupted, whose every
                # register the kernel saved) has only what calls preserve.
                kept = walk.registers if activation else PRESERVED.get(self._machine, ())
                regs = self._registers(frame, walk.registers, kept)
            walk.frames.append((pc, activation, regs))
            if self.symbolizer.module_at(pc if activation else pc - 1) is None:
                # libdwfl would go on with its frame-pointer fallback, which in
                # JIT code or on a smashed stack yields plausible-looking garbage.
                walk.stopped = _unmapped(pc)
                return L.DWARF_CB_ABORT
            if len(walk.frames) >= walk.max_frames:
                walk.stopped = f"{walk.max_frames} frames, the depth limit"
                return L.DWARF_CB_ABORT
            return L.DWARF_CB_OK
        except Exception as exc:  # pragma: no cover - a bug of ours; end the walk, keep what we have
            log.exception("unwinding callback failed")
            if walk is not None:
                walk.stopped = f"internal error: {exc}"
            return L.DWARF_CB_ABORT

    def _registers(self, frame: int, names: tuple[str, ...], kept: Collection[str]) -> dict[str, int]:
        found = {}
        for regno, name in enumerate(names):
            if name in kept and self._dw.dwfl_frame_reg(frame, regno, ctypes.byref(self._value)) == 0:
                found[name] = self._value.value
        return found

    # ----- why a stack ended ---------------------------------------------------------

    def _reason(self, pc: int, error: str | None) -> str:
        module = self.symbolizer.module_at(pc)
        if module is None:
            return _unmapped(pc)
        return f"{error} in {module.short_name}+{pc - module.start:#x}"

    def _thread_error(self, tid: int, error: str | None) -> str:
        state = procfs.thread_state(self.pid, tid)
        if state is None:
            return f"thread {tid} of process {self.pid} has exited"
        if state != "t":
            return f"thread {tid} is running (state {state}): stop it before reading its stack"
        return f"cannot read the registers of thread {tid}: {error}"


def stacks_of(stack: Callable[[int, int], Stack], tids: Iterable[int], max_frames: int) -> list[Stack]:
    """``stack`` of each thread (a reader's); a thread that cannot be read gets a one-label stack."""
    found = []
    for tid in tids:
        try:
            found.append(stack(tid, max_frames))
        except UnwindError as exc:
            found.append(unreadable_stack(tid, str(exc)))
    return found


def unreadable_stack(tid: int, reason: str) -> Stack:
    """The stack of a thread that could not be read: one label frame saying why."""
    return Stack(tid=tid, frames=(label_frame(0, reason),), stopped=reason)


def _worth_preloading(path: str | None, program: str | None) -> bool:
    if path is None:
        return False
    return path == program or os.path.basename(path).startswith("libc.so")


def _unmapped(pc: int) -> str:
    return f"no code is mapped at {pc:#x} (code generated at run time, such as JIT code, or a corrupt stack)"
