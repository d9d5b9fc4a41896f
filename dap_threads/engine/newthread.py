"""The "new thread" catchpoint: which thread creations stop the whole program.

The tracer learns of a new thread at its creator's PTRACE_EVENT_CLONE (man 2
ptrace, PTRACE_O_TRACECLONE), before the new thread has run a single
instruction: it starts in a ptrace-stop of its own. If the catchpoint
matches, the tracer holds it there and stops every other thread (all-stop).

The condition is a list of shell globs (``worker-*, io-?``) matched against
the creator's name and the new thread's name (/proc comm). A new thread
carries its creator's name until it names itself (pthread_setname_np), which
it has not done yet when it is caught, so in practice the glob chooses the
creators whose new threads stop.
"""

from __future__ import annotations

import fnmatch

from . import procfs
from .events import NewThreadCaught


def parse_globs(condition: str | None) -> tuple[str, ...] | None:
    """The globs of a condition (comma or space separated); None (every thread) when it names none."""
    globs = tuple(word for word in (condition or "").replace(",", " ").split() if word)
    return globs or None


class NewThreadWatch:
    def __init__(self, pid: int, globs: tuple[str, ...] | None) -> None:
        self.pid = pid
        #: None: every new thread
        self.globs = globs

    def check(self, creator: int, tid: int) -> NewThreadCaught | None:
        """The catch, if the creation of ``tid`` by ``creator`` matches (reads /proc comm: no ptrace)."""
        creator_name = procfs.thread_name(self.pid, creator) or "?"
        if self.globs is not None and not self._matches(creator_name, tid):
            return None
        return NewThreadCaught(tid, creator, creator_name)

    def _matches(self, creator_name: str, tid: int) -> bool:
        new_name = procfs.thread_name(self.pid, tid)
        return any(
            fnmatch.fnmatchcase(creator_name, glob) or (new_name is not None and fnmatch.fnmatchcase(new_name, glob))
            for glob in self.globs or ()
        )
