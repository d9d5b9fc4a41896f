"""Parsing /proc text (man 5 proc): names with spaces and parentheses, status lines; and this process's own."""

from __future__ import annotations

import os
import threading

from dap_threads.engine import procfs


def test_stat_fields_start_after_the_last_parenthesis_of_a_hostile_name() -> None:
    line = b"4242 (a) b (c) R) S 1 4242 4242 0 -1 4194560 0 0 0 0"
    assert procfs.stat_fields(line)[:3] == ["S", "1", "4242"]


def test_status_lines_become_stripped_values() -> None:
    text = "Name:\tworker: 1\nState:\tS (sleeping)\nTgid:\t10\nUid:\t1000\t1000\t1000\t1000\n"
    fields = procfs.parse_status(text)
    assert fields["Name"] == "worker: 1"
    assert fields["State"] == "S (sleeping)"
    assert fields["Uid"].split() == ["1000"] * 4


def test_this_process_is_running_and_lists_its_threads() -> None:
    started = threading.Event()
    stop = threading.Event()
    worker = threading.Thread(target=lambda: (started.set(), stop.wait()), name="unit-worker")
    worker.start()
    started.wait()
    try:
        pid = os.getpid()
        assert procfs.thread_state(pid, threading.get_native_id()) == "R"
        assert worker.native_id in procfs.task_ids(pid)
        assert procfs.status_fields(pid)["Tgid"] == str(pid)
        assert not procfs.is_kernel_thread(pid)
    finally:
        stop.set()
        worker.join()


def test_a_gone_process_reads_as_nothing_not_an_error() -> None:
    gone = 2**22 + 7  # above any pid_max this kernel allows by default
    assert procfs.task_ids(gone) == []
    assert procfs.thread_state(gone, gone) is None
    assert procfs.status_fields(gone) == {}
    assert procfs.thread_name(gone, gone) is None
