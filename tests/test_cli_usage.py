"""The command line's own mistakes and help: one line that says what to do, never a traceback."""

from __future__ import annotations

import subprocess
import sys

from procs import REPO


def dap_threads(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dap_threads", *args],
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_a_log_file_in_a_missing_directory_is_one_line_and_exit_status_2(tmp_path):
    missing = tmp_path / "no-such-dir" / "x.log"
    for args in (["watch", "1"], ["run", "--", "true"], []):
        done = dap_threads("--log-file", str(missing), *args)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.count("\n") == 1, done.stderr
        assert done.stderr.startswith(f"dap-threads: cannot write the log file '{missing}': No such file or directory")
        assert done.stdout == ""


def test_help_says_what_running_without_a_subcommand_does():
    done = dap_threads("--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    assert "Without a subcommand, dap-threads is the debug adapter: it speaks DAP on stdin/stdout" in text
    assert "--listen" in text and "watch, run or ps" in text


def test_run_kill_after_wants_a_positive_number_of_seconds():
    for bad in ("-1", "0", "soon", "nan"):
        done = dap_threads("run", "--kill-after", bad, "--", "true")
        assert done.returncode == 2 and "is not a number of seconds above 0" in done.stderr, (bad, done.stderr)
