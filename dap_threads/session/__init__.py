"""The session layer: DAP requests become engine operations, engine events become DAP events.

Importing the package registers every request handler (``@request``).
"""

from . import (  # noqa: F401  (registers handlers)
    disassembly,
    execution,
    lifecycle,
    memory,
    modules,
    registers_scope,
    repl,
    scopes,
    sources,
    stack_trace,
    start,
    thread_scope,
    threads,
    timeline_feed,
)
from .session import Session

__all__ = ["Session"]
