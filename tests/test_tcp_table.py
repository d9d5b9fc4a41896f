"""The kernel's TCP table, read to learn who owns the other end of a local connection (access.tcp_table).

The text cases are lines as the kernel prints them (x86, little-endian words):
they fail when the byte order, the IPv6 word order, the IPv4-mapped form or the
state filter is wrong. The live cases make real connections on this machine
and must find this process's own uid (and nothing for an address no local
socket has).
"""

from __future__ import annotations

import ipaddress
import os
import socket

import pytest

from dap_threads.access import tcp_table
from dap_threads.access.peer import tcp_owner

HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
HEADER6 = "  sl  local_address                         remote_address                        st ...\n"


def line(local: str, remote: str, state: str, uid: int) -> str:
    rest = "00000000:00000000 00:00000000 00000000"
    return f"   0: {local} {remote} {state} {rest} {uid:>5}        0 4242 1 0 20 4 30 10 -1\n"


V4 = (
    HEADER
    # the listener, the client's socket (uid 1000), and our accepted socket (uid 0)
    + line("0100007F:1267", "00000000:0000", "0A", 0)
    + line("0100007F:B26E", "0100007F:1267", "01", 1000)
    + line("0100007F:1267", "0100007F:B26E", "01", 0)
    # a socket in TIME_WAIT: the kernel prints uid 0 whoever made it
    + line("0100007F:B270", "0100007F:1267", "06", 0)
    # an older connection's client in FIN_WAIT2: still its creator's
    + line("0100007F:B272", "0100007F:1267", "05", 1001)
)


def ep(host: str, port: int) -> tcp_table.Endpoint:
    return tcp_table.endpoint(host, port)


def test_ipv4_words_are_in_host_byte_order_and_ports_are_plain_hex():
    entries = tcp_table.parse_table(V4, "little")
    assert entries[1].local == (ipaddress.ip_address("127.0.0.1"), 0xB26E)
    assert entries[1].remote == (ipaddress.ip_address("127.0.0.1"), 4711)
    assert tcp_table.parse_table(HEADER + line("7F000001:1267", "00000000:0000", "0A", 0), "big")[0].local == (
        ipaddress.ip_address("127.0.0.1"),
        4711,
    )


def test_the_owner_is_the_socket_whose_local_end_is_our_peer_and_remote_end_is_us():
    entries = tcp_table.parse_table(V4, "little")
    assert tcp_table.owner_uid(entries, ep("127.0.0.1", 0xB26E), ep("127.0.0.1", 4711)) == 1000
    # not our own accepted socket (reversed), which would say uid 0
    assert tcp_table.owner_uid(entries, ep("127.0.0.1", 4711), ep("127.0.0.1", 0xB26E)) == 0
    assert tcp_table.owner_uid(entries, ep("127.0.0.1", 0xB272), ep("127.0.0.1", 4711)) == 1001


def test_time_wait_and_unknown_sockets_give_no_owner_rather_than_root():
    entries = tcp_table.parse_table(V4, "little")
    assert tcp_table.owner_uid(entries, ep("127.0.0.1", 0xB270), ep("127.0.0.1", 4711)) is None
    assert tcp_table.owner_uid(entries, ep("10.0.0.9", 0xB26E), ep("127.0.0.1", 4711)) is None


def test_two_owners_for_one_address_pair_give_none():
    text = V4 + line("0100007F:B26E", "0100007F:1267", "01", 1002)
    assert (
        tcp_table.owner_uid(tcp_table.parse_table(text, "little"), ep("127.0.0.1", 0xB26E), ep("127.0.0.1", 4711))
        is None
    )


def test_ipv6_is_four_host_order_words_and_ipv4_mapped_addresses_compare_as_ipv4():
    loopback6 = "00000000000000000000000001000000"  # ::1
    mapped = "0000000000000000FFFF00000100007F"  # ::ffff:127.0.0.1
    text = (
        HEADER6
        + line(f"{loopback6}:C000", f"{loopback6}:1267", "01", 1000)
        + line(f"{mapped}:C001", f"{mapped}:1267", "01", 1001)
    )
    entries = tcp_table.parse_table(text, "little")
    assert entries[0].local == (ipaddress.ip_address("::1"), 0xC000)
    assert entries[1].local == (ipaddress.ip_address("127.0.0.1"), 0xC001)
    # a dual-stack listener names an IPv4 client ::ffff:127.0.0.1
    assert tcp_table.owner_uid(entries, ep("::ffff:127.0.0.1", 0xC001), ep("::ffff:127.0.0.1", 4711)) == 1001
    assert tcp_table.owner_uid(entries, ep("::1", 0xC000), ep("::1", 4711)) == 1000


def test_lines_that_do_not_parse_are_skipped():
    text = V4 + "   9: garbage\n" + line("0100007F:ZZZZ", "0100007F:1267", "01", 7)
    assert len(tcp_table.parse_table(text, "little")) == 5


#: The connecting process's uid in the live cases: another one when we are root, so that
#: reading our own accepted socket's entry (uid 0) instead of the client's would show.
CLIENT_UID = 65534 if os.geteuid() == 0 else os.geteuid()


def _live_owner(family: int, listen_host: str, connect_host: str) -> int | None:
    """Listen here; connect from a forked child running as CLIENT_UID; look the accepted connection up."""
    with socket.socket(family) as listener:
        if family == socket.AF_INET6:
            listener.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        listener.bind((listen_host, 0))
        listener.listen()
        port = listener.getsockname()[1]
        release_r, release_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            try:
                os.close(release_w)
                os.setresuid(CLIENT_UID, CLIENT_UID, CLIENT_UID)
                # a plain connect: create_connection would import the idna codec,
                # which the other uid may not be able to read
                client = socket.socket(socket.AF_INET6 if ":" in connect_host else socket.AF_INET)
                client.connect((connect_host, port))
                os.read(release_r, 1)
                client.close()
            finally:
                os._exit(0)
        os.close(release_r)
        try:
            listener.settimeout(10)
            accepted, _ = listener.accept()
            with accepted:
                peer = tcp_table.endpoint(*accepted.getpeername()[:2])
                local = tcp_table.endpoint(*accepted.getsockname()[:2])
                return tcp_owner(peer, local)
        finally:
            os.close(release_w)
            os.waitpid(pid, 0)


def test_a_real_loopback_connection_is_owned_by_the_connecting_user():
    assert _live_owner(socket.AF_INET, "127.0.0.1", "127.0.0.1") == CLIENT_UID


def test_a_real_ipv4_client_of_a_dual_stack_listener_is_found_through_its_mapped_address():
    try:
        owner = _live_owner(socket.AF_INET6, "::", "127.0.0.1")
    except OSError as exc:
        pytest.skip(f"no IPv6 socket here: {exc}")
    assert owner == CLIENT_UID


def test_a_real_ipv6_loopback_connection_is_owned_by_the_connecting_user():
    try:
        owner = _live_owner(socket.AF_INET6, "::1", "::1")
    except OSError as exc:
        pytest.skip(f"no IPv6 loopback here: {exc}")
    assert owner == CLIENT_UID
