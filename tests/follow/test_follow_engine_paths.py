"""The follow modes on the pure-Python path too (``tests/reliability/test_engine_paths.py`` explains the two).

The rest of the follow suite runs the adapter as installed: with the compiled
helper where it was built, which resumes simple stops in C and is told to
leave every stop to Python while a catchpoint is set (``Tracer._fast_runs``).
These tests run again with ``DAP_THREADS_PURE_PYTHON=1``, where Python makes
every call: catchpoints switched on and off while threads run, a thread held
in vfork during a pause and a detach, a fork stopped in ask mode, an exec.
"""

from __future__ import annotations

import pytest
from test_follow_exec import test_the_session_keeps_the_process_across_exec  # noqa: F401
from test_follow_fork import test_ask_mode_stops_at_each_fork_and_continue_follows_the_parent  # noqa: F401
from test_new_thread import (  # noqa: F401
    test_a_new_thread_stop_in_the_middle_of_a_ten_thousand_thread_storm,
    test_switching_the_filter_on_and_off_while_the_program_runs,
)
from test_syscall_catch import (  # noqa: F401
    test_a_catchpoint_while_threads_exit_misses_no_call_and_changes_nothing,
    test_clearing_the_catchpoint_lets_the_program_run_free,
    test_entry_and_exit_stops_name_the_call_its_arguments_and_its_result,
)
from test_vfork_pause import (  # noqa: F401
    test_a_pause_completes_with_a_thread_asleep_in_vfork_launched,
    test_a_thread_that_leaves_vfork_after_continue_is_held_by_the_next_pause,
    test_detach_while_a_thread_is_asleep_in_vfork_lets_it_go_when_it_wakes,
)

from dap_threads.engine import fastptrace


@pytest.fixture(autouse=True)
def pure_python(monkeypatch):
    """Every adapter started by a test of this module makes its system calls from Python."""
    monkeypatch.setenv(fastptrace.PURE_PYTHON_ENV, "1")
