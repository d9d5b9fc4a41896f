"""Serving DAP over stdio, TCP or a Unix socket: one session per connection.

Each connection gets its own pygls server object, protocol and session,
read by pygls's framing loop (``pygls.io_.run_async``). All connections
share the one asyncio loop, which is also the ptrace owner; pygls's own
``start_tcp`` is not used because it shares one protocol between
connections and stops serving when the first one ends.

Who connected is learned as each connection is accepted (``access.peer``)
and handed to its session, which decides what that peer may do.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from ..access.peer import Peer, ourselves, peer_of
from ..wakeup import quiet_wakeup_fd
from .converter import make_converter
from .dispatch import Dispatcher
from .framing import FrameReader
from .protocol import DAPProtocol, FrameWriter
from .pygls_bridge import new_transport, read_frames
from .stdio import open_stdio

log = logging.getLogger(__name__)

SessionFactory = Callable[[DAPProtocol, asyncio.AbstractEventLoop, Peer], "SessionLike"]

#: The TCP port this process serves DAP on (``--listen``), once bound; None for stdio or a Unix socket.
_listening_port: int | None = None


def listening_port() -> int | None:
    """The port of this adapter's --listen TCP server, which a child debug session can connect to."""
    return _listening_port


class SessionLike(Protocol):
    """The part of ``session.Session`` the server relies on."""

    initialized: bool
    ended: asyncio.Event

    def admit(self, arguments: Any) -> None: ...

    def response_sent(self) -> None: ...

    def close(self) -> Awaitable[None]: ...


async def serve_connection(
    reader: asyncio.StreamReader,
    transport: asyncio.WriteTransport,
    make_session: SessionFactory,
    peer: Peer | None = None,
) -> None:
    """Serve one client (``peer``; stdio: our own user) until it disconnects or its input ends;
    then leave the program as promised."""
    loop = asyncio.get_running_loop()
    protocol = new_transport(DAPProtocol, make_converter)
    assert isinstance(protocol, DAPProtocol)
    writer = FrameWriter(transport, loop)
    protocol.attach_writer(writer)
    session = make_session(protocol, loop, peer or ourselves())
    dispatcher = Dispatcher(protocol, session)
    stop = threading.Event()
    reading = loop.create_task(read_frames(FrameReader(reader), protocol, stop))
    ended = loop.create_task(session.ended.wait())
    try:
        await asyncio.wait({reading, ended}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.set()
        reading.cancel()
        ended.cancel()
        protocol.reverse.close()
        dispatcher.close()
        try:
            await session.close()
        finally:
            writer.close()


async def serve_stdio(make_session: SessionFactory, wire: tuple[int, int]) -> None:
    """Serve the client on ``wire``, the copies of stdin and stdout that ``stdio.claim_stdio`` made."""
    loop = asyncio.get_running_loop()
    reader, transport = await open_stdio(loop, wire)
    # Keep copies of fds 0 and 1 for the wire, and point them elsewhere for
    # everyone else: a stray print() or a C library writing to stdout would corrupt it.
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    try:
        os.dup2(2, 1)
    except OSError:  # stderr is closed too
        os.dup2(devnull, 1)
    os.close(devnull)
    sys.stdout = sys.stderr
    await _with_shutdown_signals(serve_connection(reader, transport, make_session))


async def serve_socket(
    address: str, make_session: SessionFactory, after_listening: Callable[[], None] = lambda: None
) -> None:
    """Serve TCP ``[HOST:]PORT`` or a Unix socket ``unix:PATH`` until interrupted.

    ``after_listening`` runs once the socket is bound and that is said (the
    first line on stderr stays the address, which tools wait for)."""

    global _listening_port
    on_connection = _connection_handler(make_session)
    limit = _READ_LIMIT
    if address.startswith("unix:"):
        path = address[len("unix:") :]
        # Only this user may connect and trace through us: the socket is born
        # 0600 (a chmod after bind would leave a moment at the umask's mode).
        old_umask = os.umask(0o177)
        try:
            server = await asyncio.start_unix_server(on_connection, path, limit=limit)
        finally:
            os.umask(old_umask)
        where = f"unix:{path}"
    else:
        host, port = parse_host_port(address)
        server = await asyncio.start_server(on_connection, host, port, limit=limit)
        bound = server.sockets[0].getsockname()
        where = f"{bound[0]}:{bound[1]}"
        _listening_port = int(bound[1])
        if host not in ("127.0.0.1", "localhost", "::1"):
            log.warning(
                "listening on %s, not loopback: anyone who can reach this port can trace any process you can", where
            )
    # Said on stderr so a person (or a test) knows where to connect, also with port 0.
    print(f"dap-threads: listening on {where}", file=sys.stderr, flush=True)
    after_listening()
    async with server:
        await _with_shutdown_signals(server.serve_forever())


_READ_LIMIT = 1 << 20

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def _connection_handler(make_session: SessionFactory) -> Handler:
    async def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # At once: a client whose socket is gone before we look is not known (and so refused).
        peer = peer_of(writer.get_extra_info("socket"))
        log.info("client connected: %s", peer.describe())
        try:
            await serve_connection(reader, writer.transport, make_session, peer)
        except Exception:
            log.exception("session with %s failed", peer.describe())
        log.info("client gone: %s", peer.describe())

    return on_connection


async def start_loopback_server(make_session: SessionFactory) -> tuple[asyncio.Server, int]:
    """Serve DAP on 127.0.0.1 (a free port) beside the stdio session, on the same loop.

    For child debug sessions (DAP ``startDebugging``): the client connects a
    new session here, to the process that holds the child, so the child's
    ptrace owner stays this process's one thread. Who may connect is the
    sessions' own check, as for --listen (``access``).
    """
    server = await asyncio.start_server(_connection_handler(make_session), "127.0.0.1", 0, limit=_READ_LIMIT)
    port = int(server.sockets[0].getsockname()[1])
    log.info("serving child debug sessions on 127.0.0.1:%d", port)
    return server, port


def parse_host_port(address: str) -> tuple[str, int]:
    host, sep, port_text = address.rpartition(":")
    if not sep:
        host = "127.0.0.1"  # never every interface unless the user writes it
    host = host.strip("[]") or "127.0.0.1"
    try:
        port = int(port_text)
    except ValueError:
        raise ValueError(f"--listen wants [HOST:]PORT or unix:PATH, got {address!r}") from None
    if not 0 <= port <= 65535:
        raise ValueError(f"port {port} is out of range 0-65535")
    return host, port


async def _with_shutdown_signals(work: Awaitable[None]) -> None:
    """Run ``work``; SIGINT/SIGTERM cancel it so that sessions still detach cleanly."""
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(work)
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, task.cancel)
    quiet_wakeup_fd()
    try:
        await task
    except asyncio.CancelledError:
        log.info("interrupted: shutting down")
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
