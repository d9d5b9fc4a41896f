"""Parsing /proc/TID/{stat,status,syscall,wchan} (man 5 proc)."""

from __future__ import annotations

from dap_threads.observe.procparse import parse_stat, parse_status, parse_syscall, parse_wchan

# A real line, its comm made hostile: spaces and parentheses.
STAT = (
    b"4242 (we (ird) name) S 4240 4240 20011 0 -1 4194368 1 0 0 0 17 3 0 0 20 0 9 0 105928 "
    b"121000000 300 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 -1 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
)


def test_stat():
    stat = parse_stat(STAT)
    assert stat is not None
    assert (stat.name, stat.state, stat.utime, stat.stime, stat.processor) == ("we (ird) name", "S", 17, 3, 1)


def test_stat_of_a_thread_that_just_ended_is_none():
    assert parse_stat(b"") is None
    assert parse_stat(b"4242 (x) Z 1") is None


def test_status():
    data = (
        b"Name:\tworker\nState:\tS (sleeping)\nCpus_allowed:\t3\nCpus_allowed_list:\t0-1,4\n"
        b"voluntary_ctxt_switches:\t12\nnonvoluntary_ctxt_switches:\t3\n"
    )
    status = parse_status(data)
    assert (status.voluntary, status.involuntary, status.affinity) == (12, 3, "0-1,4")
    assert parse_status(b"Name:\tx\n").voluntary is None


def test_syscall_in_a_call():
    line = parse_syscall(b"202 0x55d0c1e3a1c8 0x80 0x0 0x0 0x0 0x0 0x7f68c2e32e98 0x7f68c3f3a829\n")
    assert line.in_syscall and not line.running
    assert (line.number, line.args) == (202, (0x55D0C1E3A1C8, 0x80, 0, 0, 0, 0))


def test_syscall_running_and_outside_a_call():
    assert parse_syscall(b"running\n").running
    outside = parse_syscall(b"-1 0x7ffc8f2ba0a8 0x55d0c1e3a1c8\n")
    assert not outside.running and not outside.in_syscall and outside.number == -1
    assert parse_syscall(b"").running  # an unreadable file says nothing


def test_wchan():
    assert parse_wchan(b"futex_wait_queue") == "futex_wait_queue"
    assert parse_wchan(b"0") is None  # running, or symbols hidden from this reader
