"""The kernel's TCP socket table (/proc/net/tcp and /proc/net/tcp6): who owns a local connection's other end.

For a connection accepted from this machine, the connecting socket is in the
table too: its local address is our peer's, its remote address is ours, and
its ``uid`` column is the user that created it (proc(5), /proc/net/tcp). The
parsing is pure so it can be tested on any text.
"""

from __future__ import annotations

import ipaddress
import struct
import sys

import attrs

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Endpoint = tuple[IPAddress, int]

#: States (include/net/tcp_states.h) in which the socket still belongs to its
#: creator after the handshake. TIME_WAIT entries show uid 0 whoever made them,
#: and SYN_SENT/SYN_RECV/LISTEN/CLOSE are never the other end of an accepted
#: connection; trusting those could make a stranger look like root.
OWNED_STATES = frozenset({0x01, 0x04, 0x05, 0x08, 0x09, 0x0B})  # ESTABLISHED FIN_WAIT1/2 CLOSE_WAIT LAST_ACK CLOSING


@attrs.frozen
class TcpEntry:
    local: Endpoint
    remote: Endpoint
    state: int
    uid: int


def endpoint(host: str, port: int) -> Endpoint:
    """An address as getpeername()/getsockname() give it; IPv4-mapped IPv6 becomes plain IPv4.

    A dual-stack listener sees an IPv4 client as ``::ffff:127.0.0.1`` while the
    client's own socket sits in /proc/net/tcp as 127.0.0.1, so both sides are
    compared in their IPv4 form.
    """
    return _unmapped(ipaddress.ip_address(host.partition("%")[0])), port


def parse_table(text: str, byteorder: str = sys.byteorder) -> list[TcpEntry]:
    """Entries of /proc/net/tcp or /proc/net/tcp6 text; lines that do not parse are skipped."""
    entries = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8:
            continue
        try:
            entries.append(
                TcpEntry(
                    local=_parse_endpoint(fields[1], byteorder),
                    remote=_parse_endpoint(fields[2], byteorder),
                    state=int(fields[3], 16),
                    uid=int(fields[7]),
                )
            )
        except ValueError:
            continue
    return entries


def owner_uid(entries: list[TcpEntry], peer: Endpoint, local: Endpoint) -> int | None:
    """The uid owning the socket at ``peer`` connected to ``local``; None when not exactly one owner is found."""
    uids = {e.uid for e in entries if e.local == peer and e.remote == local and e.state in OWNED_STATES}
    return uids.pop() if len(uids) == 1 else None


def _parse_endpoint(text: str, byteorder: str) -> Endpoint:
    address_hex, _, port_hex = text.partition(":")
    if len(address_hex) not in (8, 32) or not port_hex:
        raise ValueError(f"not an address: {text!r}")
    # The kernel prints the address as 32-bit words in host byte order (the
    # port is a plain number): each word is re-packed in that order to get
    # the bytes in network order.
    fmt = "<I" if byteorder == "little" else ">I"
    raw = b"".join(struct.pack(fmt, int(address_hex[i : i + 8], 16)) for i in range(0, len(address_hex), 8))
    return _unmapped(ipaddress.ip_address(raw)), int(port_hex, 16)


def _unmapped(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
