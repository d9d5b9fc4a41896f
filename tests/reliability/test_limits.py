"""Resource limits: a traced program hits them exactly where an untraced one does.

RLIMIT_NPROC counts a user's tasks, threads included (man 2 setrlimit), and root is exempt, so the program
runs as another uid (setpriv). The limit reaches it in one of two ways: `prlimit --nproc` in the launched
command, or inherited from the adapter's own limits (`prlimit ... python -m dap_threads`: the root adapter
is exempt; its launch passes the limit on through fork and exec, as `ulimit -u 12; dap-threads run` would).
Tracing adds no task to the user's count: the program gets EAGAIN from pthread_create after the same
number of threads.

How it fails: the inherited case fails if the launch changes the program's limits (checked by breaking
it: a launch child that raised the RLIMIT_NPROC soft limit to 64 let the program make 63 threads instead
of 11, and failed here). The prlimit-in-argv case fails if the launch through setpriv and prlimit (two
execs) loses the program, or if tracing costs the program tasks; but no adapter defect we could make costs
tasks while the adapter is root: its own threads count for root, not for the user. A user's own adapter
*does* count against that user's limit, as any of their processes does (gdb's too): the kernel's
accounting, not a defect (README, Guarantees row 13).
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from dap_client import AdapterProcess
from procs import program
from reliability_support import TARGET_UID, as_user, stdout_of

LIMIT = 12
PRLIMIT = ["prlimit", f"--nproc={LIMIT}:"]  # soft: the program could raise it, and does not


@pytest.mark.parametrize("where", ["argv", "adapter"])
def test_rlimit_nproc_gives_the_same_eagain_traced_as_untraced(tmp_path, where):
    if os.geteuid() != 0 or shutil.which("setpriv") is None or shutil.which("prlimit") is None:
        pytest.skip("needs root with setpriv and prlimit (util-linux): RLIMIT_NPROC does not bind root")
    if subprocess.run(["pgrep", "-u", str(TARGET_UID)], capture_output=True).returncode == 0:
        pytest.skip(f"uid {TARGET_UID} runs other processes now: they count against its RLIMIT_NPROC")
    command = [*as_user(TARGET_UID), program("hostile"), "nproc", "500"]
    expected = subprocess.run([*PRLIMIT, *command], capture_output=True, text=True, timeout=60)
    assert expected.returncode == 0 and "then Resource temporarily unavailable" in expected.stdout, expected
    if where == "argv":
        adapter, launched = AdapterProcess(tmp_path), [*PRLIMIT, *command]
    else:
        adapter, launched = AdapterProcess(tmp_path, prefix=PRLIMIT), command
    try:
        dap = adapter.client
        dap.initialize()
        dap.launch(shutil.which(launched[0]), launched[1:])
        assert dap.wait_event("exited", timeout=60)["body"]["exitCode"] == 0
        dap.wait_event("terminated")
        assert stdout_of(dap) == expected.stdout
        dap.check_schema()
    finally:
        adapter.stop()
