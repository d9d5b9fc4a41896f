"""Decoding the status word that waitpid returns for a tracee.

man 2 ptrace ("Stopped states") distinguishes the stops a seized tracee can
report; this module names them so the tracer can dispatch on a kind instead
of on bit patterns.
"""

from __future__ import annotations

import enum
import os
import signal

from . import ptrace

# Signals whose default action is to stop the process: a PTRACE_EVENT_STOP
# carrying one of them is a group-stop (man 2 ptrace, "Group-stop").
STOP_SIGNALS = frozenset({signal.SIGSTOP, signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU})

# A syscall-stop's WSTOPSIG under PTRACE_O_TRACESYSGOOD (man 2 ptrace, "Syscall-stops").
SYSCALL_TRAP = signal.SIGTRAP | 0x80


class Kind(enum.Enum):
    EXITED = "exited"  # the thread is gone (WIFEXITED or WIFSIGNALED)
    SIGNAL = "signal"  # signal-delivery-stop: the signal must be re-injected on resume
    SYSCALL = "syscall"  # syscall-enter/exit-stop of PTRACE_SYSCALL (marked by PTRACE_O_TRACESYSGOOD)
    SECCOMP = "seccomp"  # a call a seccomp filter handed to the tracer (SECCOMP_RET_TRACE)
    GROUP_STOP = "group-stop"  # SIGSTOP & co. stopped the whole process
    EVENT_STOP = "event-stop"  # PTRACE_INTERRUPT, or a new thread's first stop
    CLONE = "clone"
    FORK = "fork"
    VFORK = "vfork"
    EXEC = "exec"
    VFORK_DONE = "vfork-done"
    EXIT_EVENT = "exit-event"
    OTHER = "other"


_EVENT_KINDS = {
    ptrace.PTRACE_EVENT_CLONE: Kind.CLONE,
    ptrace.PTRACE_EVENT_FORK: Kind.FORK,
    ptrace.PTRACE_EVENT_VFORK: Kind.VFORK,
    ptrace.PTRACE_EVENT_EXEC: Kind.EXEC,
    ptrace.PTRACE_EVENT_VFORK_DONE: Kind.VFORK_DONE,
    ptrace.PTRACE_EVENT_EXIT: Kind.EXIT_EVENT,
    ptrace.PTRACE_EVENT_SECCOMP: Kind.SECCOMP,
}


def classify(status: int) -> tuple[Kind, int]:
    """Return (kind, number): the exit code / killing signal for EXITED, else the stop signal."""
    if os.WIFEXITED(status):
        return Kind.EXITED, os.WEXITSTATUS(status)
    if os.WIFSIGNALED(status):
        return Kind.EXITED, 128 + os.WTERMSIG(status)
    if not os.WIFSTOPPED(status):
        return Kind.OTHER, 0
    sig = os.WSTOPSIG(status)
    event = status >> 16
    if event == 0:
        return (Kind.SYSCALL if sig == SYSCALL_TRAP else Kind.SIGNAL), sig
    if event == ptrace.PTRACE_EVENT_STOP:
        # do_jobctl_trap reports the stop signal while the group is stopping
        # or stopped, and SIGTRAP otherwise (interrupt, new thread).
        return (Kind.GROUP_STOP if sig in STOP_SIGNALS else Kind.EVENT_STOP), sig
    return _EVENT_KINDS.get(event, Kind.OTHER), sig


def exit_description(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
    if os.WIFEXITED(status):
        return f"exited with status {os.WEXITSTATUS(status)}"
    return f"status {status:#x}"
