"""Fixtures of the reliability suite (its helpers are in ``reliability_support.py``)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from reliability_support import ADAPTER_UID, TcpAdapter, python_for, shared_dir


@pytest.fixture
def tcp_adapter(tmp_path: Path) -> Iterator[TcpAdapter]:
    server = TcpAdapter(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def other_users(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """(adapter python, shared log dir) for running the adapter as ADAPTER_UID; skips when impossible."""
    if os.geteuid() != 0:
        pytest.skip("needs root, to run the adapter and its target as two other uids (setpriv)")
    python = python_for(ADAPTER_UID)
    if python is None:
        pytest.skip(f"no Python interpreter that uid {ADAPTER_UID} may run and that imports this checkout")
    directory = shared_dir()
    yield python, directory
    shutil.rmtree(directory, ignore_errors=True)
