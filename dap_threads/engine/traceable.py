"""Whether we may trace a process, and if not why, told before trying (for process pickers).

The kernel's rules (man 2 ptrace, "Ptrace access mode checking"; Yama, in
Documentation/admin-guide/LSM/Yama.rst): without CAP_SYS_PTRACE the tracer's
user must be the target's real, effective and saved user alike (a setuid
program is out of reach), and Yama's ``ptrace_scope`` narrows that further:
1 to one's own descendants (or a process that named us with PR_SET_PTRACER),
2 to CAP_SYS_PTRACE holders, 3 to nobody. A thread has one tracer at a time.

What cannot be seen from outside (a non-dumpable process, a security module's
own rules) is left for the attach to report (``permission.explain``).
"""

from __future__ import annotations

import os

import attrs

from . import procfs

#: CAP_SYS_PTRACE's bit in /proc/PID/status CapEff (include/uapi/linux/capability.h)
CAP_SYS_PTRACE = 19

YAMA_SCOPE_FILE = "/proc/sys/kernel/yama/ptrace_scope"


@attrs.frozen
class TracingRights:
    """What the tracer (the adapter that will attach) may do, as the kernel will judge it."""

    uid: int
    cap_sys_ptrace: bool
    #: None without Yama
    yama_scope: int | None

    @classmethod
    def ours(cls) -> TracingRights:
        return cls(uid=os.getuid(), cap_sys_ptrace=_has_cap_sys_ptrace(), yama_scope=yama_scope())


@attrs.frozen
class Target:
    """What /proc says of the process to trace."""

    pid: int
    #: real, effective, saved
    uids: tuple[int, int, int]
    user: str
    zombie: bool
    tracer_pid: int


def refusal(target: Target, rights: TracingRights, *, descendant: bool = False) -> str | None:
    """Why the kernel would refuse to let ``rights`` attach to ``target``, or None if it would not.

    ``descendant``: the tracer is an ancestor of the target (Yama scope 1 allows that).
    """
    if target.zombie:
        return "it has exited (a zombie, waiting for its parent)"
    if target.tracer_pid:
        name = procfs.process_name(target.tracer_pid) or "another process"
        return f"it is already traced by {name} (pid {target.tracer_pid}); a process has one tracer at a time"
    scope = rights.yama_scope or 0
    if scope >= 3:
        return "kernel.yama.ptrace_scope is 3: no process may attach to another until the next boot"
    if rights.cap_sys_ptrace:
        return None
    if scope == 2:
        return "kernel.yama.ptrace_scope is 2: only root (CAP_SYS_PTRACE) may attach"
    real, effective, saved = target.uids
    if real != rights.uid:
        return f"it belongs to {target.user}: only that user or root may trace it"
    if effective != rights.uid or saved != rights.uid:
        return "it runs with another user's rights (setuid): only root may trace it"
    if scope == 1 and not descendant:
        return "kernel.yama.ptrace_scope is 1: only the programs that started it (its ancestors) or root may attach"
    return None


def yama_scope() -> int | None:
    try:
        with open(YAMA_SCOPE_FILE) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def _has_cap_sys_ptrace() -> bool:
    try:
        effective = int(procfs.status_fields(os.getpid()).get("CapEff", "0"), 16)
    except ValueError:
        return False
    return bool(effective >> CAP_SYS_PTRACE & 1)
