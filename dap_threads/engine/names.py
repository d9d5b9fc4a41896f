"""Thread names (comm) of one traced process, read fast and kept while nothing can change them.

A thread's name is what it or another thread of its process last set
(prctl(PR_SET_NAME), or a write to /proc/PID/task/TID/comm, which
pthread_setname_np uses for other threads): no ptrace stop reports the
change, so a running process's names are read again for every list.
While the tracer holds every thread of the process stopped, none can run to
rename any, so the names read during that hold stay right until it ends.

Each name is read through a descriptor of /proc/PID/task kept open (openat
of "TID/comm": a short path walk), with os.open/os.read rather than a Python
file object: about a third of the cost of ``procfs.thread_name``, which
matters at 10,000 threads per `threads` request.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

_COMM_MAX = 64  # TASK_COMM_LEN is 16; room to spare


class ThreadNames:
    """The names of ``pid``'s threads; ``read`` reuses those read under the same hold."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._task_dir: int | None = None
        self._cache: dict[int, str | None] = {}
        self._hold: int | None = None

    def read(self, tids: Iterable[int], hold: int | None) -> list[str | None]:
        """Each thread's name (None if it is gone).

        ``hold`` identifies the current uninterrupted stop of the whole
        process (None while any thread may run): names read under the same
        ``hold`` are reused.
        """
        if hold is None or hold != self._hold:
            self._cache.clear()
            self._hold = hold
        cache = self._cache
        names: list[str | None] = []
        for tid in tids:
            if tid in cache:
                names.append(cache[tid])
                continue
            name = self._read_one(tid)
            if hold is not None:
                cache[tid] = name
            names.append(name)
        return names

    def read_one(self, tid: int) -> str | None:
        """One thread's name, read now (None if it is gone)."""
        return self._read_one(tid)

    def _read_one(self, tid: int) -> str | None:
        task_dir = self._task_dir
        if task_dir is None:
            try:
                task_dir = self._task_dir = os.open(
                    f"/proc/{self.pid}/task", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
                )
            except OSError:
                return None  # the process is gone
        try:
            fd = os.open(f"{tid}/comm", os.O_RDONLY | os.O_CLOEXEC, dir_fd=task_dir)
        except OSError:
            return None  # the thread is gone (or going)
        try:
            data = os.read(fd, _COMM_MAX)
        except OSError:
            return None
        finally:
            os.close(fd)
        return data.rstrip(b"\n").decode("utf-8", "replace")

    def forget(self) -> None:
        """Drop every name and the directory (after an exec, or when tracing ends)."""
        self._cache.clear()
        self._hold = None
        if self._task_dir is not None:
            os.close(self._task_dir)
            self._task_dir = None
