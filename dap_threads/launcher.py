"""`python -m dap_threads.launcher --connect NAME -- PROGRAM ARGS...`: what a terminal runs for a launch.

With ``console: "integratedTerminal"`` (or ``"externalTerminal"``) the editor
starts this in its terminal (DAP ``runInTerminal``), so the program gets the
terminal as its stdin, stdout and stderr. The adapter must trace the program
from its first instruction, but the launcher is not the adapter's child. So:

1. connect to the adapter's abstract Unix socket ``NAME``; the kernel tells us
   its pid (SO_PEERCRED) and tells it ours and our uid;
2. let that pid trace us, ``prctl(PR_SET_PTRACER)``: with Yama's ptrace_scope 1
   only an ancestor, or a process we name, may (man 2 PR_SET_PTRACER);
3. say "ready", and block until the adapter has seized us and says "go";
4. exec the program. The exec stops in PTRACE_EVENT_EXEC before the program's
   first instruction, so nothing of it runs untraced.

Only the standard library, and nothing printed on the way: the terminal must
show the program's bytes and nothing else. A failure is said on stderr, and to
the adapter, and the exit status is 127 (as a shell's for a missing command).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import socket
import struct
import sys
from collections.abc import Sequence

#: The handshake's messages, one byte each (see engine/handoff.py, the adapter's side).
READY, GO, ABORT, FAILED = b"R", b"G", b"A", b"E"
PR_SET_PTRACER = 0x59616D61
_SO_PEERCRED_FORMAT = "3i"


class LauncherError(Exception):
    pass


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        name, command = _parse(args)
        adapter = _connect(name)
    except LauncherError as exc:
        return _fail(None, str(exc))
    with adapter:
        try:
            _allow_tracer(_peer_pid(adapter))
            try:
                adapter.sendall(READY)
            except BrokenPipeError:
                pass  # it refused us at once: its reason is waiting to be read
            answer = _receive_all(adapter)
        except OSError as exc:
            return _fail(None, f"lost the debug adapter before starting the program: {exc.strerror or exc}")
        if answer[:1] == ABORT:
            return _fail(None, answer[1:].decode(errors="replace") or "the debug adapter cancelled the launch")
        if answer[:1] != GO:
            return _fail(None, "the debug adapter went away before starting the program")
        _restore_signal_defaults()
        try:
            os.execv(command[0], command[1:])
        except OSError as exc:
            return _fail(adapter, f"cannot run {command[0]!r}: {exc.strerror}")
    return 127  # not reached: execv returned without raising


def _parse(args: list[str]) -> tuple[str, list[str]]:
    # PROGRAM_PATH ARGV0 ARGS...: the path the adapter resolved, then the argv the program is to see
    if len(args) < 5 or args[0] != "--connect" or args[2] != "--":
        raise LauncherError(
            "usage: python -m dap_threads.launcher --connect NAME -- PROGRAM_PATH ARGV0 [ARGS...] "
            "(the debug adapter writes this command for the editor's terminal; it is not meant to be typed)"
        )
    return args[1], args[3:]


def _connect(name: str) -> socket.socket:
    adapter = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        adapter.connect("\0" + name)
    except OSError as exc:
        adapter.close()
        raise LauncherError(
            f"cannot reach the debug adapter ({exc.strerror}): it has stopped waiting, or runs on another "
            f'machine or in another network namespace than this terminal; launch with console "internalConsole"'
        ) from None
    return adapter


def _peer_pid(sock: socket.socket) -> int:
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize(_SO_PEERCRED_FORMAT))
    pid, _uid, _gid = struct.unpack(_SO_PEERCRED_FORMAT, creds)
    return int(pid)


def _allow_tracer(pid: int) -> None:
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    # EINVAL without Yama (nothing to allow then): the seize needs no permission beyond the usual.
    libc.prctl(PR_SET_PTRACER, ctypes.c_ulong(pid), 0, 0, 0)


def _receive_all(sock: socket.socket) -> bytes:
    """The adapter's answer: GO, or ABORT and its reason, ended by the adapter closing or going quiet."""
    first = sock.recv(1)
    if first != ABORT:
        return first
    chunks = [first]
    while chunk := sock.recv(4096):
        chunks.append(chunk)
    return b"".join(chunks)


def _restore_signal_defaults() -> None:
    # Python ignores SIGPIPE and SIGXFSZ for itself, and an ignored signal stays
    # ignored across exec (man 2 execve): the program must get the defaults. (SIGINT
    # needs nothing: Python installs its handler only over SIG_DFL, and handlers reset at exec.)
    for sig in (signal.SIGPIPE, signal.SIGXFSZ):
        signal.signal(sig, signal.SIG_DFL)


def _fail(adapter: socket.socket | None, text: str) -> int:
    sys.stderr.write(f"dap-threads launcher: {text}\n")
    sys.stderr.flush()
    if adapter is not None:
        try:
            adapter.sendall(FAILED + text.encode())
        except OSError:
            pass
    return 127


if __name__ == "__main__":
    sys.exit(main())
