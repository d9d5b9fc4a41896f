"""Why the kernel refused to let us trace a process, and the commands that would let us.

The refusal (EPERM from PTRACE_SEIZE) has three usual causes, told apart from
/proc and our credentials (man 2 ptrace, "Ptrace access mode checking"; Yama):
the process is another user's (or setuid), Yama's ptrace_scope forbids it,
or even root is refused (a non-dumpable process under a security module, a
container without CAP_SYS_PTRACE). ``PermissionDenied.cause`` names which, so
that an editor can offer the matching way out (restart the adapter as root,
or relax ptrace_scope); the message says the same in words and commands.
"""

from __future__ import annotations

import os
import pwd
import shlex
import sys

from . import procfs
from .errors import AttachError
from .traceable import yama_scope

#: The port in the commands we suggest for an adapter run as root.
SUGGESTED_PORT = 4711


class PermissionDenied(AttachError):
    """The kernel will not let us trace ``pid``; ``cause`` is "user", "ptrace_scope" or "capability"."""

    def __init__(self, message: str, pid: int, cause: str, scope: int | None) -> None:
        super().__init__(message)
        self.pid = pid
        self.cause = cause
        self.scope = scope


def explain(pid: int) -> PermissionDenied:
    """The refusal to trace ``pid``, with what to do, in words a person can act on."""
    me = os.geteuid()
    scope = yama_scope()
    owner = _owner_uid(pid)
    as_root = root_adapter_command(me)
    if scope is not None and scope >= 3:
        return PermissionDenied(
            f"permission denied to trace process {pid}: kernel.yama.ptrace_scope is 3, which forbids every attach "
            f"(even root's) until the next boot; launch the program through dap-threads instead",
            pid,
            "ptrace_scope",
            scope,
        )
    if me == 0:
        return PermissionDenied(
            f"permission denied to trace process {pid}: even root was refused: the process may be non-dumpable "
            f"(setuid, or prctl(PR_SET_DUMPABLE, 0)) under a security module, or this container lacks "
            f"CAP_SYS_PTRACE (run it with --cap-add=SYS_PTRACE)",
            pid,
            "capability",
            scope,
        )
    if owner is not None and owner != me:
        return PermissionDenied(
            f"permission denied to trace process {pid}: it belongs to user {user_label(owner)} and dap-threads "
            f"runs as {user_label(me)}; attach as root: start `{as_root}` and connect to it "
            f'("debugServer": {SUGGESTED_PORT} in VS Code, a server adapter on port {SUGGESTED_PORT} in nvim-dap)',
            pid,
            "user",
            scope,
        )
    if scope is not None and scope >= 1:
        relax = "sudo sysctl kernel.yama.ptrace_scope=0" if scope == 1 else "sudo sysctl kernel.yama.ptrace_scope=1"
        who = "only a program's ancestors (or root)" if scope == 1 else "only root (CAP_SYS_PTRACE)"
        return PermissionDenied(
            f"permission denied to trace process {pid}: kernel.yama.ptrace_scope is {scope}: {who} may attach; "
            f"launch the program through dap-threads, or allow it until the next boot with `{relax}`, "
            f"or attach as root: start `{as_root}` and connect to it "
            f'("debugServer": {SUGGESTED_PORT} in VS Code)',
            pid,
            "ptrace_scope",
            scope,
        )
    return PermissionDenied(
        f"permission denied to trace process {pid}: it may be non-dumpable (setuid, or prctl(PR_SET_DUMPABLE, 0)), "
        f"or dap-threads lacks CAP_SYS_PTRACE; attach as root: start `{as_root}` and connect to it",
        pid,
        "capability",
        scope,
    )


def root_adapter_command(uid: int) -> str:
    """The command that runs this adapter as root for ``uid``: it serves that user on a loopback port."""
    python = shlex.quote(sys.executable)
    name = user_name(uid) or str(uid)
    return f"sudo {python} -m dap_threads --listen 127.0.0.1:{SUGGESTED_PORT} --allow-user {shlex.quote(name)}"


def user_label(uid: int) -> str:
    name = user_name(uid)
    return f"{name} (uid {uid})" if name else f"uid {uid}"


def user_name(uid: int) -> str | None:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return None


def _owner_uid(pid: int) -> int | None:
    try:
        return int(procfs.status_fields(pid).get("Uid", "").split()[0])
    except (IndexError, ValueError):
        return None
