"""The terminal launcher's handshake with the adapter (engine/handoff.py, dap_threads/launcher.py), without DAP."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest

from dap_threads.engine.errors import LaunchError
from dap_threads.engine.handoff import HandoffListener
from dap_threads.launcher import __file__ as LAUNCHER


def launcher(address: str, *program: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-I", LAUNCHER, "--connect", address, "--", *program],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_a_launcher_of_a_user_the_session_does_not_serve_is_told_so_and_runs_nothing() -> None:
    async def scenario() -> tuple[bytes, bytes, int]:
        listener = HandoffListener(allowed_uids={os.geteuid() + 4242})
        proc = launcher(listener.address, "/bin/echo", "echo", "must not run")
        try:
            with pytest.raises(LaunchError, match="did not connect within 1 s"):
                await listener.accept(timeout=1)
        finally:
            listener.close()
        out, err = await asyncio.get_running_loop().run_in_executor(None, proc.communicate)
        return out, err, proc.returncode

    out, err, status = asyncio.run(scenario())
    assert out == b""
    assert status == 127
    assert f"does not start programs for uid {os.geteuid()}".encode() in err


def test_a_launcher_whose_adapter_has_gone_says_so_and_runs_nothing() -> None:
    listener = HandoffListener(allowed_uids={os.geteuid()})
    address = listener.address
    listener.close()
    proc = launcher(address, "/bin/echo", "echo", "must not run")
    out, err = proc.communicate(timeout=30)
    assert out == b"" and proc.returncode == 127
    assert b"cannot reach the debug adapter" in err and b"internalConsole" in err


def test_the_launcher_typed_by_hand_explains_itself() -> None:
    proc = subprocess.run([sys.executable, "-m", "dap_threads.launcher"], capture_output=True, check=False)
    assert proc.returncode == 127
    assert b"usage: python -m dap_threads.launcher --connect NAME --" in proc.stderr
    assert b"not meant to be typed" in proc.stderr
