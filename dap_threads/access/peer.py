"""The identity of the client on the other end of a connection, learned when it is accepted.

- Unix socket: SO_PEERCRED, the credentials the kernel recorded at connect()
  (man 7 unix). A socket file's mode keeps others from connecting; this still
  holds when someone loosens that mode.
- TCP from this machine: the connecting socket's owner in the kernel's socket
  table (``tcp_table``). A peer that is not in it (another machine, another
  network namespace, a socket already closed) has no known uid.
- stdio: the editor that started us, so our own user.
"""

from __future__ import annotations

import logging
import os
import socket
import struct
from typing import Any, Protocol

import attrs

from . import tcp_table

log = logging.getLogger(__name__)

TCP_TABLES = ("/proc/net/tcp", "/proc/net/tcp6")


class SocketLike(Protocol):
    """What we read from a socket (asyncio hands out a TransportSocket, not a socket.socket)."""

    @property
    def family(self) -> int: ...

    def getsockopt(self, level: int, option: int, buflen: int) -> Any: ...

    def getpeername(self) -> Any: ...

    def getsockname(self) -> Any: ...


@attrs.frozen
class Peer:
    #: None when it cannot be known (a connection from another machine)
    uid: int | None
    pid: int | None
    via: str

    def describe(self) -> str:
        who = "unknown uid" if self.uid is None else f"uid {self.uid}"
        if self.pid is not None:
            who += f" (pid {self.pid})"
        return f"{who} over {self.via}"


def ourselves(via: str = "stdio") -> Peer:
    return Peer(uid=os.geteuid(), pid=None, via=via)


def peer_of(sock: SocketLike) -> Peer:
    """Who connected ``sock`` (an accepted Unix or TCP socket); uid None when that cannot be learned."""
    try:
        return _peer_of(sock)
    except OSError as exc:  # the client is already gone (ENOTCONN)
        log.info("cannot tell who connected: %s", exc)
        return Peer(uid=None, pid=None, via="a connection already closed")


def _peer_of(sock: SocketLike) -> Peer:
    if sock.family == socket.AF_UNIX:
        creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        pid, uid, _gid = struct.unpack("3i", creds)
        return Peer(uid=uid, pid=pid, via=f"unix:{sock.getsockname()}")
    peer_host, peer_port = sock.getpeername()[:2]
    local_host, local_port = sock.getsockname()[:2]
    uid = tcp_owner(tcp_table.endpoint(peer_host, peer_port), tcp_table.endpoint(local_host, local_port))
    return Peer(uid=uid, pid=None, via=f"TCP {peer_host}:{peer_port}")


def tcp_owner(peer: tcp_table.Endpoint, local: tcp_table.Endpoint) -> int | None:
    entries: list[tcp_table.TcpEntry] = []
    for path in TCP_TABLES:
        try:
            with open(path) as table:
                entries += tcp_table.parse_table(table.read())
        except OSError as exc:  # no IPv6 in this kernel, or /proc not mounted
            log.debug("cannot read %s: %s", path, exc)
    return tcp_table.owner_uid(entries, peer, local)
