"""asyncio's signal wakeup pipe, told not to complain when it is full.

A thread storm sends SIGCHLD faster than a busy loop reads the pipe that
asyncio's signal handling writes one byte per signal to. A full pipe loses
nothing that matters (the bytes already in it guarantee another wakeup), but
Python prints a traceback per dropped byte, slowly enough to fall further
behind. asyncio resets the setting on every add_signal_handler, so call this
after adding handlers.
"""

import signal


def quiet_wakeup_fd() -> None:
    fd = signal.set_wakeup_fd(-1)
    if fd != -1:
        signal.set_wakeup_fd(fd, warn_on_full_buffer=False)
