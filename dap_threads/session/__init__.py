"""The session layer: DAP requests become engine operations, engine events become DAP events.

Importing the package registers every request handler (``@request``).
"""

from . import (  # noqa: F401  (registers handlers)
    backtrace,
    catchpoints,
    console,
    disassembly,
    execution,
    follow_commands,
    lifecycle,
    memory,
    modules,
    registers_scope,
    scopes,
    sources,
    stack_trace,
    start,
    syscall_scope,
    threads,
)
from .session import Session

__all__ = ["Session"]
