"""The engine's two ways of making its system calls, both held to the guarantees.

Where ``pip install`` could compile ``engine/_fastptrace.c`` (gcc), the
adapter drains waitpid and batches its ptrace calls in C; elsewhere it makes
the same calls from Python. The rest of the suite runs the adapter as
installed (the helper, when built); the tests imported here run again with
``DAP_THREADS_PURE_PYTHON=1``: exactly-once events in a storm, clones in
flight during a pause, signals held by a pause, job control, exec, forks,
attach and detach. The first two tests check which path each run really took
(the adapter says so in its log), and that SIGCHLD arrives on a signalfd, the
wake-up both paths share.
"""

from __future__ import annotations

import pytest
from dap_client import AdapterProcess
from procs import program
from test_attach import (  # noqa: F401  (collected again here, on the pure-Python path)
    test_attach_seizes_threads_that_not_yet_seized_threads_create_during_the_scan,
    test_disconnect_is_answered_only_after_every_thread_is_detached,
)
from test_exactly_once import (  # noqa: F401
    test_storm_of_20000_threads_launched_announces_each_thread_started_and_exited_exactly_once,
    test_threads_created_by_non_main_threads_during_the_attach_are_each_announced_once,
)
from test_fork_and_vfork import test_forks_during_pauses_leave_no_child_stopped  # noqa: F401
from test_job_control import (  # noqa: F401
    spinning,
    test_pause_and_continue_during_a_group_stop_keep_the_program_stopped_until_sigcont,
    test_sigstop_and_sigcont_from_outside_behave_as_untraced_and_threads_still_answers,
)
from test_pause_continue import (  # noqa: F401
    test_single_thread_continue_resumes_only_that_thread,
    test_threads_created_during_a_pause_are_held_and_announced,
)
from test_races import (  # noqa: F401
    test_exec_from_a_non_main_thread_launched_and_paused_around_the_exec,
    test_leader_exiting_with_pthread_exit_while_others_run_neither_hangs_pause_nor_doubles_events,
    test_pause_during_a_thread_storm_holds_every_thread_including_clones_in_flight,
)
from test_signals_untouched import (  # noqa: F401
    test_signal_heavy_program_launched_prints_the_same_result_as_untraced,
    test_signals_held_by_pause_are_delivered_once_on_continue,
)

from dap_threads.engine import fastptrace


@pytest.fixture(autouse=True)
def pure_python(monkeypatch):
    """Every adapter started by a test of this module makes its system calls from Python."""
    monkeypatch.setenv(fastptrace.PURE_PYTHON_ENV, "1")


def _ready_line(adapter) -> str:
    lines = [line for line in adapter.log_file.read_text().splitlines() if "ptrace owner ready" in line]
    assert lines, "the adapter did not log how its ptrace owner is woken and makes its calls"
    return lines[0]


def test_this_module_runs_the_pure_python_path_woken_by_a_signalfd(adapter, dap):
    dap.launch(program("seed"), ["10", "1", "10", "0"])
    dap.wait_event("terminated", timeout=30)
    line = _ready_line(adapter)
    assert "made from Python" in line and "a signalfd" in line, line


def test_the_rest_of_the_suite_runs_the_compiled_helper_where_it_was_built(tmp_path, monkeypatch):
    monkeypatch.delenv(fastptrace.PURE_PYTHON_ENV)
    adapter = AdapterProcess(tmp_path)
    try:
        adapter.client.initialize()
        adapter.client.launch(program("seed"), ["10", "1", "10", "0"])
        adapter.client.wait_event("terminated", timeout=30)
        adapter.client.check_schema()
    finally:
        adapter.stop()
    line = _ready_line(adapter)
    built = fastptrace._library_path() is not None
    assert ("batched by the compiled helper" in line) == built, (line, built)
    assert "a signalfd" in line, line
