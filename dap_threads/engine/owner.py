"""The ptrace owner: the one OS thread allowed to make ptrace and wait calls.

The kernel ties a tracee to the *thread* that attached it: ptrace requests
from any other thread of the same process fail with ESRCH (man 2 ptrace,
"Attaching and detaching"), and waitpid with __WNOTHREAD only reports this
thread's tracees. An ESRCH from the wrong thread looks exactly like "the
thread has exited", so a wrong-thread call is a silent bug. Everything that
must run on the owner carries ``@on_ptrace_owner``, which turns that silent
bug into an immediate AssertionError naming the function.

The owner is the thread running the asyncio loop that the reaper is bound to
(see ``reaper.Reaper``); it is claimed once, by the first reaper.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

_owner_ident: int | None = None


def claim_ptrace_owner() -> None:
    """Make the calling thread the ptrace owner (idempotent on that thread)."""
    global _owner_ident
    me = threading.get_ident()
    if _owner_ident is not None and _owner_ident != me:
        raise RuntimeError(
            "the ptrace owner is already another thread; every tracer must share the "
            "loop of the first one (the kernel rejects ptrace calls from other threads)"
        )
    _owner_ident = me


def on_ptrace_owner(func: Callable[P, R]) -> Callable[P, R]:
    """Mark (and assert) that ``func`` runs on the ptrace owner thread."""

    @functools.wraps(func)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        assert _owner_ident == threading.get_ident(), (
            f"{func.__qualname__} must run on the ptrace owner thread "
            f"(owner={_owner_ident}, caller={threading.get_ident()})"
        )
        return func(*args, **kwargs)

    return checked
