"""Shared fixtures: build testdata once, run the adapter, start traced programs, clean up.

Every test drives the real adapter (``python -m dap_threads``) against real
processes on the real kernel. Helpers that are not fixtures live in
``procs.py`` (programs and /proc) and ``dap_client.py`` (the DAP client).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from dap_client import AdapterProcess, DapClient
from procs import REPO, Programs


@pytest.fixture(scope="session", autouse=True)
def testdata_built() -> None:
    subprocess.run(["make", "-s", "-C", str(REPO / "testdata")], check=True)


@pytest.fixture
def adapter(tmp_path: Path) -> Iterator[AdapterProcess]:
    """The adapter over stdio; its log is kept in the test's tmp_path."""
    process = AdapterProcess(tmp_path)
    yield process
    process.client.check_schema()
    if process.proc.poll() is None:
        try:
            process.stop(timeout=10)
        except subprocess.TimeoutExpired:
            pass


@pytest.fixture
def dap(adapter: AdapterProcess) -> DapClient:
    adapter.client.initialize()
    return adapter.client


@pytest.fixture
def programs() -> Iterator[Programs]:
    registry = Programs()
    yield registry
    registry.cleanup()
