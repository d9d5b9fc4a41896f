"""The session layer: DAP requests become engine operations, engine events become DAP events.

Importing the package registers every request handler (``@request``).
"""

from . import catchpoints, console, execution, inspect, lifecycle, start, threads  # noqa: F401  (registers handlers)
from .session import Session

__all__ = ["Session"]
