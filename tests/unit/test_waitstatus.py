"""Wait-status decoding (man 2 ptrace, "Stopped states"; man 2 waitpid) on hand-built status words."""

from __future__ import annotations

import signal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dap_threads.engine import ptrace
from dap_threads.engine.waitstatus import Kind, classify, exit_description


def exited(code: int) -> int:
    return (code & 0xFF) << 8


def killed(sig: int) -> int:
    return sig & 0x7F


def stopped(sig: int, event: int = 0) -> int:
    return (event << 16) | (sig << 8) | 0x7F


@given(st.integers(0, 255))
def test_an_exit_code_is_the_number_of_an_exited_kind(code: int) -> None:
    assert classify(exited(code)) == (Kind.EXITED, code)


def test_death_by_a_signal_is_exited_with_128_plus_the_signal() -> None:
    assert classify(killed(signal.SIGKILL)) == (Kind.EXITED, 128 + signal.SIGKILL)
    assert exit_description(killed(signal.SIGSEGV)) == "killed by SIGSEGV"
    assert exit_description(exited(3)) == "exited with status 3"


@pytest.mark.parametrize("sig", [signal.SIGUSR1, signal.SIGSEGV, signal.SIGSTOP, signal.SIGTRAP])
def test_a_stop_without_an_event_is_a_signal_delivery_stop(sig: int) -> None:
    assert classify(stopped(sig)) == (Kind.SIGNAL, sig)


@pytest.mark.parametrize("sig", [signal.SIGSTOP, signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU])
def test_an_event_stop_with_a_stop_signal_is_a_group_stop(sig: int) -> None:
    assert classify(stopped(sig, ptrace.PTRACE_EVENT_STOP)) == (Kind.GROUP_STOP, sig)


def test_an_event_stop_with_sigtrap_is_an_interrupt_or_a_new_threads_first_stop() -> None:
    assert classify(stopped(signal.SIGTRAP, ptrace.PTRACE_EVENT_STOP)) == (Kind.EVENT_STOP, signal.SIGTRAP)


@pytest.mark.parametrize(
    ("event", "kind"),
    [
        (ptrace.PTRACE_EVENT_CLONE, Kind.CLONE),
        (ptrace.PTRACE_EVENT_FORK, Kind.FORK),
        (ptrace.PTRACE_EVENT_VFORK, Kind.VFORK),
        (ptrace.PTRACE_EVENT_EXEC, Kind.EXEC),
        (ptrace.PTRACE_EVENT_VFORK_DONE, Kind.VFORK_DONE),
        (ptrace.PTRACE_EVENT_EXIT, Kind.EXIT_EVENT),
    ],
)
def test_ptrace_events_are_named(event: int, kind: Kind) -> None:
    assert classify(stopped(signal.SIGTRAP, event)) == (kind, signal.SIGTRAP)


def test_an_unknown_event_is_other_not_a_crash() -> None:
    assert classify(stopped(signal.SIGTRAP, 99))[0] is Kind.OTHER
    assert classify(0xFFFF)[0] is Kind.OTHER  # WIFCONTINUED: never asked for, never misread
