"""spawner: a multi-threaded program that forks, vforks (posix_spawn) and keeps children alive.

usage: python spawner.py ROUNDS

Used by test_fork_and_vfork.py (it is a program under test, not a test).
Starts two busy threads, prints "spawner: ready PID" and waits for a line on
stdin (so the test can attach first). Then ROUNDS times: os.fork() a child
that _exit(n % 50); os.posix_spawn("/bin/true") (glibc: clone(CLONE_VM |
CLONE_VFORK), a PTRACE_EVENT_VFORK); subprocess.run(["/bin/echo", n]).
Then it starts two long-lived children, one by fork and one by posix_spawn of
/bin/sleep, prints "spawner: children FORKED SPAWNED", and waits for a second
line on stdin; it ends them, and prints "spawner: done ROUNDS STATUSSUM".
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

stop = threading.Event()


def busy() -> None:
    x = 0
    while not stop.is_set():
        x += 1
        if x % 10000 == 0:
            time.sleep(0.001)


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    threads = [threading.Thread(target=busy, daemon=True) for _ in range(2)]
    for t in threads:
        t.start()
    print(f"spawner: ready {os.getpid()}", flush=True)
    sys.stdin.readline()

    status_sum = 0
    for n in range(rounds):
        pid = os.fork()
        if pid == 0:
            os._exit(n % 50)
        status_sum += os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        pid = os.posix_spawn("/bin/true", ["true"], os.environ)
        status_sum += os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        echoed = subprocess.run(["/bin/echo", str(n)], capture_output=True, text=True, check=True).stdout
        assert echoed == f"{n}\n", echoed

    forked = os.fork()
    if forked == 0:
        time.sleep(60)
        os._exit(0)
    spawned = os.posix_spawn("/bin/sleep", ["sleep", "60"], os.environ)
    print(f"spawner: children {forked} {spawned}", flush=True)
    sys.stdin.readline()
    for pid in (forked, spawned):
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
    stop.set()
    for t in threads:
        t.join()
    print(f"spawner: done {rounds} {status_sum}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
