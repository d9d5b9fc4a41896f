"""dap-threads benchmarks (issue 6): run with `python -m benchmarks` from the repository root.

Suites: storm overhead against a minimal C tracer, gdb and strace; event
latency at offered thread-creation rates; attach time against gdb; pause and
continue with many threads; start-up time and memory. See README.md.
"""
