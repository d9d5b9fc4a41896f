"""Ctrl-C and friends for `run`, knowing who sent them.

At a terminal, Ctrl-C makes the kernel send SIGINT to the whole foreground process group
(man 7 termios, ISIG): to us and, since the program we started is in our group, to the program
too. A SIGINT from ``kill`` reaches only us. To pass a signal on exactly once we must know which it
was, and only the siginfo says so: si_code is SI_KERNEL for the terminal's, SI_USER for kill()'s
(man 2 sigaction). Python's signal handlers get no siginfo, so the signals are blocked in every
thread and a small thread takes them with sigwaitinfo, handing each to the loop.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable

#: man 2 sigaction: "SI_KERNEL  Sent by the kernel" (what a terminal's ISIG sends); Python lacks the name.
SI_KERNEL = 0x80

#: The signals that ask `run` to end: the terminal's (Ctrl-C, hang-up) and the polite kill.
ENDING_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM, signal.SIGHUP})

Handler = Callable[[signal.Signals, bool], None]


def take_ending_signals() -> None:
    """Block the ending signals in this thread, and so in every thread started after it.

    Call it in the main thread before any other thread exists; a program launched later gets an
    empty signal mask back before its exec (engine/launch.py).
    """
    signal.pthread_sigmask(signal.SIG_BLOCK, ENDING_SIGNALS)


def listen(loop: asyncio.AbstractEventLoop, handler: Handler) -> None:
    """Call ``handler(signal, from_terminal)`` on the loop for each ending signal, from now on."""

    def wait_for_signals() -> None:
        while True:
            info = signal.sigwaitinfo(ENDING_SIGNALS)
            try:
                loop.call_soon_threadsafe(handler, signal.Signals(info.si_signo), info.si_code == SI_KERNEL)
            except RuntimeError:  # the loop is closed: `run` is ending anyway
                return

    threading.Thread(target=wait_for_signals, name="ending-signals", daemon=True).start()


def die_of(sig: signal.Signals) -> None:
    """End this process by ``sig``, as the program did, so that a calling shell sees it.

    A shell stops a script when a command dies of SIGINT, but not when it exits 130
    ("wait and cooperative exit"); so we re-raise rather than exit.
    """
    signal.signal(sig, signal.SIG_DFL)
    # Thread-directed: the sigwaitinfo thread cannot take it.
    signal.pthread_kill(threading.main_thread().ident or 0, sig)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {sig})
