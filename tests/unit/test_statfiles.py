"""Stat files kept open: one budget for the whole process, and errors that are ours are not 'thread gone'."""

from __future__ import annotations

import errno
import os
import threading

import pytest

from dap_threads.observe import statfiles
from dap_threads.observe.statfiles import StatFiles


@pytest.fixture
def threads():
    """Two extra threads of this process, alive for the test."""
    stop = threading.Event()
    workers = [threading.Thread(target=stop.wait) for _ in range(2)]
    for worker in workers:
        worker.start()
    yield [worker.native_id for worker in workers]
    stop.set()
    for worker in workers:
        worker.join()


def test_every_reader_shares_one_budget(monkeypatch, threads):
    monkeypatch.setattr(statfiles, "descriptor_budget", lambda: 3)
    monkeypatch.setattr(StatFiles, "kept_total", 0)  # whatever other tests' samplers hold
    task_dir = f"/proc/{os.getpid()}/task"
    first, second = StatFiles(task_dir), StatFiles(task_dir)
    try:
        tids = [os.getpid(), *threads]
        assert all(first.read(tid) for tid in tids)
        assert first.open_count == 3
        assert all(second.read(tid) for tid in tids)  # read all the same, opening each time
        assert second.open_count == 0 and StatFiles.kept_total == 3
    finally:
        first.close()
        second.close()
    assert StatFiles.kept_total == 0


def test_a_gone_thread_reads_as_none_and_our_own_trouble_is_raised(monkeypatch):
    reader = StatFiles(f"/proc/{os.getpid()}/task")
    assert reader.read(2**22 + 7) is None  # no such thread

    def no_descriptors(*args, **kwargs):
        raise OSError(errno.EMFILE, "Too many open files")

    monkeypatch.setattr(statfiles.os, "open", no_descriptors)
    with pytest.raises(OSError, match="Too many open files"):
        reader.read(os.getpid())
