"""A pause completes while a thread waits in vfork (the known defect found by the observe work).

The parent of a vfork child sleeps in the kernel (state D, killable only) until
the child execs or exits; PTRACE_INTERRUPT cannot wake it. ``threadstates
disk`` keeps one thread there forever (its child never execs). A pause must
still complete, with that thread counted as held (it cannot run a single
instruction of the program until the child lets go), and the program must
keep its state: detaching leaves nothing stopped, the thread still asleep in
vfork.

How these fail when the promise breaks: without the vfork rule the pause
waits forever for the thread's stop, and no `stopped` event comes.
"""

from __future__ import annotations

import os
import signal
import time

from procs import program, thread_states, wait_until
from reliability_support import HELD


def _disk_thread(pid: int) -> int:
    wait_until(lambda: "D" in thread_states(pid).values(), what="the disk thread asleep in vfork")
    return next(tid for tid, state in thread_states(pid).items() if state == "D")


def test_a_pause_completes_with_a_thread_asleep_in_vfork_launched(dap):
    dap.launch(program("threadstates"), ["disk", "read"])
    dap.wait_for(lambda m: m.get("event") == "output" and "ready" in m["body"]["output"], what="ready")
    pid = dap.events("process")[0]["body"]["systemProcessId"]
    disk = _disk_thread(pid)
    mark = len(dap.received)
    dap.ok("pause", {"threadId": pid})
    stopped = dap.wait_for(lambda m: m.get("event") == "stopped", start=mark, timeout=10, what="stopped after pause")
    assert stopped["body"]["allThreadsStopped"] is True
    states = thread_states(pid)
    assert states[disk] == "D" and all(s == HELD for tid, s in states.items() if tid != disk), states
    # Its registers cannot be read before it stops; the error says why.
    response = dap.request("stackTrace", {"threadId": disk})
    assert not response["success"] and "vfork" in response["message"]
    # Continue and pause again: the same thread is still counted as held.
    dap.ok("continue", {"threadId": pid})
    mark = len(dap.received)
    dap.ok("pause", {"threadId": pid})
    dap.wait_for(lambda m: m.get("event") == "stopped", start=mark, timeout=10, what="second stopped")
    dap.ok("continue", {"threadId": pid})


def _children(pid: int) -> list[int]:
    found = []
    for tid in thread_states(pid):
        try:
            found += [int(c) for c in open(f"/proc/{pid}/task/{tid}/children").read().split()]
        except OSError:
            pass
    return found


def test_detach_while_a_thread_is_asleep_in_vfork_lets_it_go_when_it_wakes(tcp_adapter, programs):
    """The adapter lives on (a --listen server): the thread it could not detach must not stop when it wakes."""
    proc = programs.start("threadstates", "disk", "read", wait_line="thread")
    while "ready" not in proc.stdout.readline():
        pass
    disk = _disk_thread(proc.pid)
    client = tcp_adapter.connect()
    client.initialize()
    client.attach(proc.pid)
    mark = len(client.received)
    client.ok("pause", {"threadId": proc.pid})
    client.wait_for(lambda m: m.get("event") == "stopped", start=mark, timeout=10, what="stopped after pause")
    client.ok("disconnect", {"terminateDebuggee": False})
    wait_until(lambda: HELD not in thread_states(proc.pid).values(), what="no thread held after the detach")
    assert thread_states(proc.pid)[disk] == "D"
    # Its vfork child ends: the thread wakes, returns from clone, and runs on untraced.
    (child,) = _children(proc.pid)
    os.kill(child, signal.SIGKILL)
    wait_until(lambda: thread_states(proc.pid)[disk] != "D", what="the disk thread awake")
    time.sleep(0.3)
    assert thread_states(proc.pid)[disk] == "S", thread_states(proc.pid)
    assert "TracerPid:\t0" in open(f"/proc/{proc.pid}/task/{disk}/status").read()
    client.close()


def test_a_thread_that_leaves_vfork_after_continue_is_held_by_the_next_pause(dap):
    """A thread counted as held while asleep in vfork is an ordinary thread again once it wakes.

    It wakes with the first pause's interrupt pending, stops for it, and is resumed; the next pause
    must interrupt it and hold it like any other (when it breaks: the thread runs on, state S, while
    the client is told every thread stopped). With the compiled helper, a vfork sleeper is not set
    running there, so that stop reaches Python, which clears the mark at once (``Tracer.left_vfork``);
    that part is not observable from outside (the next pause's interrupt brings a stop either way).
    """
    dap.launch(program("threadstates"), ["disk", "read"])
    dap.wait_for(lambda m: m.get("event") == "output" and "ready" in m["body"]["output"], what="ready")
    pid = dap.events("process")[0]["body"]["systemProcessId"]
    disk = _disk_thread(pid)
    mark = len(dap.received)
    dap.ok("pause", {"threadId": pid})
    dap.wait_for(lambda m: m.get("event") == "stopped", start=mark, timeout=10, what="stopped after pause")
    dap.ok("continue", {"threadId": pid})
    (child,) = _children(pid)
    os.kill(child, signal.SIGKILL)  # the vfork child ends: the thread wakes and runs on
    wait_until(lambda: thread_states(pid)[disk] == "S", what="the disk thread awake and sleeping")
    mark = len(dap.received)
    dap.ok("pause", {"threadId": pid})
    dap.wait_for(lambda m: m.get("event") == "stopped", start=mark, timeout=10, what="stopped after the 2nd pause")
    states = thread_states(pid)
    assert all(state == HELD for state in states.values()), states
    dap.ok("continue", {"threadId": pid})
