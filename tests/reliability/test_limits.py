"""Resource limits: a traced program hits them exactly where an untraced one does.

RLIMIT_NPROC counts a user's tasks, threads included (man 2 setrlimit), and root is exempt, so the program
runs as another uid (setpriv) under `prlimit --nproc`. Tracing adds no task to the user's count: the
program gets EAGAIN from pthread_create after the same number of threads. Fails if the adapter's tracing
costs the program tasks (or lets it exceed its limit), or if the launch through setpriv and prlimit
(two execs) loses the program.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from procs import program
from reliability_support import TARGET_UID, as_user, stdout_of

LIMIT = 12


def nproc_command() -> list[str]:
    return [*as_user(TARGET_UID), "prlimit", f"--nproc={LIMIT}", program("hostile"), "nproc", "500"]


def test_rlimit_nproc_gives_the_same_eagain_traced_as_untraced(dap):
    if os.geteuid() != 0 or shutil.which("setpriv") is None or shutil.which("prlimit") is None:
        pytest.skip("needs root with setpriv and prlimit (util-linux): RLIMIT_NPROC does not bind root")
    if subprocess.run(["pgrep", "-u", str(TARGET_UID)], capture_output=True).returncode == 0:
        pytest.skip(f"uid {TARGET_UID} runs other processes now: they count against its RLIMIT_NPROC")
    expected = subprocess.run(nproc_command(), capture_output=True, text=True, timeout=60)
    assert expected.returncode == 0 and "then Resource temporarily unavailable" in expected.stdout, expected
    command = nproc_command()
    dap.launch(shutil.which(command[0]), command[1:])
    dap.ok("configurationDone")
    assert dap.wait_event("exited", timeout=60)["body"]["exitCode"] == 0
    dap.wait_event("terminated")
    assert stdout_of(dap) == expected.stdout
