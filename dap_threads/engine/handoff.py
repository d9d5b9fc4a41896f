"""A program started elsewhere (an editor's terminal) and handed to us before it execs.

The launcher (``dap_threads.launcher``, run by the terminal) connects to an
abstract Unix socket of ours, says it is ready, and waits. The kernel tells
us who connected (SO_PEERCRED: pid and uid, which the peer cannot forge); we
seize that pid and say "go", and it execs the program (``launch.launch_handed_off``).

An abstract socket leaves no file behind and needs no directory the terminal's
user may enter (a root adapter serves other users' terminals). Anyone on the
machine can see its name in /proc/net/unix and connect, so a connection is
taken only from a uid the session allows: the adapter's own, or its client's.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import struct
from collections.abc import Collection

from ..launcher import ABORT, FAILED, GO, READY
from .errors import LaunchError

log = logging.getLogger(__name__)

_PEERCRED = struct.Struct("3i")


class HandedOff:
    """A launcher that connected, said it is ready, and waits for ``go``."""

    def __init__(self, pid: int, uid: int, sock: socket.socket) -> None:
        self.pid = pid
        self.uid = uid
        self._sock = sock

    def go(self) -> None:
        self._sock.setblocking(True)
        self._sock.sendall(GO)

    def abort(self, reason: str) -> None:
        """Tell the launcher why it will not run the program (it says so in the terminal and exits)."""
        try:
            self._sock.setblocking(True)
            self._sock.sendall(ABORT + reason.encode())
        except OSError:
            pass
        self.close()

    def failure(self) -> str | None:
        """What the launcher said went wrong after ``go`` (its exec failed), once it has exited."""
        self._sock.setblocking(False)
        try:
            said = self._sock.recv(4096)
        except OSError:
            return None
        return said[1:].decode(errors="replace") if said[:1] == FAILED else None

    def close(self) -> None:
        self._sock.close()


class HandoffListener:
    """The socket one launcher connects to; ``address`` goes on its command line."""

    def __init__(self, allowed_uids: Collection[int]) -> None:
        self.address = f"dap-threads-{os.getpid()}-{secrets.token_hex(8)}"
        self._allowed = frozenset(allowed_uids)
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        self._sock.bind("\0" + self.address)
        self._sock.listen(4)
        self._sock.setblocking(False)

    async def accept(self, timeout: float) -> HandedOff:
        """The first launcher of an allowed user that says it is ready; LaunchError after ``timeout`` s."""
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                while True:
                    sock, _ = await loop.sock_accept(self._sock)
                    handed = await self._admit(loop, sock)
                    if handed is not None:
                        return handed
        except TimeoutError:
            raise LaunchError(
                f"the terminal's launcher did not connect within {timeout:g} s: the editor's terminal must run "
                f'on this machine, as your user, in this network namespace; use "console": "internalConsole" '
                f"to have dap-threads start the program itself"
            ) from None

    async def _admit(self, loop: asyncio.AbstractEventLoop, sock: socket.socket) -> HandedOff | None:
        pid, uid, _gid = _PEERCRED.unpack(sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _PEERCRED.size))
        if uid not in self._allowed:
            log.warning("refused a launcher connection from pid %d, uid %d (allowed: %s)", pid, uid, self._allowed)
            HandedOff(pid, uid, sock).abort(f"this debug adapter does not start programs for uid {uid}")
            return None
        sock.setblocking(False)
        said = await loop.sock_recv(sock, 1)
        if said != READY:
            log.warning("launcher pid %d hung up before it was ready", pid)
            sock.close()
            return None
        return HandedOff(pid, uid, sock)

    def close(self) -> None:
        self._sock.close()
