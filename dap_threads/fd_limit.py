"""Whether the adapter has run out of file descriptors, and the message that tells the user so.

libdw opens every module of a traced program (its ELF file, and its separate
debug file) and keeps it open while the program is traced; /proc files are
opened for each read. Under a low ``ulimit -n`` the opens fail with EMFILE,
and libdw says nothing: a module just has no symbols, and an unwind stops
with "Callback returned failure". So the adapter checks its own headroom
after such work and says once what is wrong and how to fix it. Thread
events need no descriptor of their own (waitpid), so none is lost meanwhile.
"""

from __future__ import annotations

import errno
import os
import resource

#: Descriptors kept free for the adapter's own work (a /proc read, a log line, an accepted client).
_MARGIN = 4


def exhausted() -> bool:
    """True when the adapter has (nearly) reached its RLIMIT_NOFILE."""
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft == resource.RLIM_INFINITY:
        return False
    try:
        used = len(os.listdir("/proc/self/fd"))
    except OSError as exc:
        return exc.errno == errno.EMFILE
    return used >= soft - _MARGIN


def message() -> str:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    limit = "unlimited" if hard == resource.RLIM_INFINITY else str(hard)
    return (
        f"dap-threads: the adapter has used all {soft} file descriptors it may open (ulimit -n {soft}): "
        "call stacks and modules may lack symbols, and some reads of /proc may fail; thread events are "
        f"not affected. Start the adapter with a higher limit (e.g. ulimit -n 4096; the hard limit is {limit})."
    )
