"""Watching threads without stopping them: live facts from /proc, lineage, a timeline and its exporters.

Everything here reads /proc or the engine's events; nothing ptraces or stops
the program, so it may run on any thread. It may import ``engine`` (events,
syscall tables), never ``dap`` or ``session``.

- ``sampler.Sampler``: per-thread facts (state, CPU%, wait, context switches, ...).
- ``lineage.Lineage``: who created whom, with birth and exit times; ``tree`` draws it.
- ``timeline.Timeline``: lifecycle events and state samples, bounded; exported by
  ``trace_json`` (Chrome Trace Event / Perfetto) and ``html`` (a self-contained page).
- ``observer.Observer``: the three fed together, which is what the session and the CLI use.
"""
