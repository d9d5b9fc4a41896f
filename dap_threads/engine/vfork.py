"""Threads asleep in vfork: they cannot stop, and cannot run our program's code, until their child lets go.

The parent of a vfork child (vfork, posix_spawn's clone(CLONE_VM|CLONE_VFORK))
sleeps in the kernel (wait_for_vfork_done: TASK_KILLABLE, state D) until the
child execs or exits. PTRACE_INTERRUPT cannot wake it; the interrupt stays
pending and the thread stops on its way back to user space. So an all-stop
counts such a thread as held: it will not run one instruction of the
program before it stops (man 2 vfork: "the calling thread is suspended until
the child terminates or calls execve"). Nor can it be detached (PTRACE_DETACH
needs a ptrace-stop): ``DetachOnStop`` lets it go at that stop instead.
"""

from __future__ import annotations

import logging
import signal
from typing import Protocol

from . import procfs, ptrace
from .syscalls import Abi, host_abi, name_of, process_abi

log = logging.getLogger(__name__)

CLONE_VFORK = 0x00004000


def waits_for_vfork(pid: int, tid: int) -> bool:
    """Whether ``tid`` sleeps until its vfork child execs or exits (state D inside a vforking call)."""
    if procfs.thread_state(pid, tid) != "D":
        return False
    try:
        with open(f"/proc/{pid}/task/{tid}/syscall") as f:
            fields = f.read().split()
    except OSError:
        return False
    if len(fields) < 2 or not fields[0].lstrip("-").isdigit():
        return False  # "running", or -1 (not in a syscall)
    name = name_of(int(fields[0]), process_abi(pid) or host_abi() or Abi.X86_64)
    if name == "vfork":
        return True
    if name == "clone":
        return bool(int(fields[1], 16) & CLONE_VFORK)
    # clone3 keeps its flags in memory; asleep uninterruptibly in it is the vfork wait.
    return name == "clone3"


class DetachOnStop:
    """A reaper sink that detaches a thread at its next stop (one that was asleep in vfork at the detach)."""

    def __init__(self, reaper: Unregister) -> None:
        self._reaper = reaper

    def on_wait_status(self, tid: int, status: int) -> None:
        self._reaper.unregister(tid)
        if (status & 0xFF) != 0x7F:
            return  # it exited
        # A signal-delivery-stop's signal goes with the detach (not re-injected, it would be lost).
        sig = (status >> 8) & 0xFF
        deliver = sig if status >> 16 == 0 and sig < signal.NSIG else 0
        with ptrace.tracee_may_be_gone():
            ptrace.detach(tid, deliver)
        log.debug("detached %d at its stop after vfork", tid)

    def publish(self) -> None:
        pass


class Unregister(Protocol):
    def unregister(self, tid: int) -> None: ...
