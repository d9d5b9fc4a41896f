"""dap-threads: a Debug Adapter Protocol adapter that shows a Linux program's threads live.

Layers, each in its folder: ``engine`` (ptrace, waitpid, /proc; no DAP),
``dap`` (framing, messages, dispatch; no ptrace), ``session`` (requests to
engine operations, engine events to DAP events) and ``cli`` (the command).
"""

__version__ = "0.1.0"
