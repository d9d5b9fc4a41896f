"""Attaching to a running process: seize every thread, miss none, seize none twice."""

from __future__ import annotations

import asyncio
import errno
import os
from collections.abc import Callable

from . import procfs, ptrace
from .errors import AttachError
from .owner import on_ptrace_owner
from .permission import explain
from .reaper import Reaper
from .tracer import BASE_OPTIONS, Tracer

#: ``progress(seized, found)``: threads seized so far, of the threads found so far
AttachProgress = Callable[[int, int], None]

#: How many threads are seized between two progress reports.
PROGRESS_EVERY = 256

#: Front ends show an attach's progress for processes of more threads than this (DAP progress events,
#: `watch`): below it the attach takes a few tens of milliseconds.
PROGRESS_ABOVE_THREADS = 1000


@on_ptrace_owner
def attach(pid: int, reaper: Reaper, loop: asyncio.AbstractEventLoop, progress: AttachProgress | None = None) -> Tracer:
    """Seize every thread of ``pid``; the program keeps running.

    Threads found are announced as ThreadStarted with no creator, the leader
    first. ``progress`` hears of every PROGRESS_EVERY threads seized, and of the
    end (it must not wait: the attach runs on). Raises AttachError with a
    message that says what to do.
    """
    check_attachable(pid)
    tracer = Tracer(pid, reaper, loop)
    if leader_has_exited(pid):
        tracer.adopt_exited_leader()
    else:
        _seize_leader(pid)
        tracer.adopt(pid, want_running=True)
    _seize_the_rest(tracer, reaper, progress or _no_progress)
    if not tracer.live_threads():
        # Only possible with an exited leader: every other thread ended during the scan.
        reaper.unregister(pid)
        raise AttachError(f"process {pid} exited while dap-threads was attaching to it")
    return tracer


def leader_has_exited(pid: int) -> bool:
    """The main thread called pthread_exit while other threads run on (a zombie leader)."""
    state = procfs.thread_state(pid, pid)
    return state in ("Z", "X") and len(procfs.task_ids(pid)) > 1


def _no_progress(seized: int, found: int) -> None:
    pass


def check_attachable(pid: int) -> None:
    if pid <= 0:
        raise AttachError(f"pid must be a positive process id, got {pid}")
    if pid == os.getpid():
        raise AttachError(f"pid {pid} is the dap-threads adapter itself; give the pid of the program to debug")
    status = procfs.status_fields(pid)
    if not status:
        raise AttachError(f"no such process: {pid} (it is not running, or has already exited)")
    tgid = int(status.get("Tgid", pid))
    if tgid != pid:
        raise AttachError(f"{pid} is a thread of process {tgid}; attach to the process id {tgid}")
    if status.get("State", "").startswith(("Z", "X")) and len(procfs.task_ids(pid)) <= 1:
        raise AttachError(
            f"process {pid} is a zombie: it has exited and waits for its parent to reap it; there is nothing to trace"
        )
    if procfs.is_kernel_thread(pid):
        raise AttachError(f"process {pid} ({procfs.process_name(pid)}) is a kernel thread, which cannot be traced")
    tracer_pid = int(status.get("TracerPid", "0") or 0)
    if tracer_pid:
        name = procfs.process_name(tracer_pid) or "unknown"
        hint = " (this adapter)" if tracer_pid == os.getpid() else ""
        raise AttachError(
            f"process {pid} is already traced by process {tracer_pid} ({name}){hint}; "
            f"detach that debugger or tracer first (a thread can have only one tracer)"
        )


def _seize_leader(pid: int) -> None:
    try:
        ptrace.seize(pid, BASE_OPTIONS)
    except OSError as exc:
        if exc.errno == errno.ESRCH:
            raise AttachError(f"no such process: {pid} (it exited while attaching)") from None
        if exc.errno == errno.EPERM:
            state = procfs.status_fields(pid).get("State", "X")
            if state.startswith(("Z", "X")):  # the kernel refuses an exited task with EPERM too
                raise AttachError(f"process {pid} exited while dap-threads was attaching to it") from None
            raise explain(pid) from None
        raise AttachError(f"could not attach to {pid}: {exc.strerror}") from None


def _seize_the_rest(tracer: Tracer, reaper: Reaper, progress: AttachProgress) -> None:
    # A thread created during the scan by an already-seized thread is
    # auto-attached (PTRACE_O_TRACECLONE) and will be announced by its
    # creator's clone event; one created by a not-yet-seized thread only
    # shows up in /proc. Rescan until a pass finds nothing new.
    pid = tracer.pid
    seen = {pid}
    while True:
        fresh = [tid for tid in procfs.task_ids(pid) if tid not in seen]
        if not fresh:
            progress(len(seen), len(seen))
            return
        found = len(seen) + len(fresh)
        # In chunks of PROGRESS_EVERY: one batch call each through the helper, a progress report between.
        for start in range(0, len(fresh), PROGRESS_EVERY):
            chunk = fresh[start : start + PROGRESS_EVERY]
            seen.update(chunk)
            for tid in _seize_each(chunk, reaper):
                tracer.adopt(tid, want_running=True, told=reaper.fast is not None)
            if len(chunk) == PROGRESS_EVERY:
                progress(len(seen), found)


def _seize_each(tids: list[int], reaper: Reaper) -> list[int]:
    """PTRACE_SEIZE each of ``tids``; returns those seized now.

    ESRCH: it exited already. EPERM: already ours, attached through its
    creator's clone (the event adds it).
    """
    if reaper.fast is None:
        seized = []
        for tid in tids:
            try:
                ptrace.seize(tid, BASE_OPTIONS)
            except OSError as exc:
                if exc.errno in (errno.ESRCH, errno.EPERM):
                    continue
                raise
            seized.append(tid)
        return seized
    failed = dict(reaper.fast.ptrace_each(ptrace.PTRACE_SEIZE, tids, BASE_OPTIONS))
    for tid, error in failed.items():
        if error not in (errno.ESRCH, errno.EPERM):
            raise OSError(error, f"PTRACE_SEIZE of {tid}: {os.strerror(error)}")
    seized = [tid for tid in tids if tid not in failed]
    reaper.fast.set_running_each(seized, True)
    return seized
