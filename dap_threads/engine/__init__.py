"""The tracer engine: ptrace, waitpid and /proc. It knows nothing of DAP.

Every ptrace and wait call is made by one thread, the ptrace owner (see
``owner``): the thread running the asyncio loop that the ``Reaper`` is bound
to. ``Tracer`` is one traced process; ``attach`` and ``launch`` create one.
"""
