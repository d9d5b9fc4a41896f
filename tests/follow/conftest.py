"""Fixtures of the follow suite (new-thread stops, fork and exec following, syscall catchpoints).

The suite shares the reliability suite's helpers (untraced baselines,
exactly-once accounting): ``tests/reliability`` is on pytest's pythonpath.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from reliability_support import TcpAdapter


@pytest.fixture
def tcp_adapter(tmp_path: Path) -> Iterator[TcpAdapter]:
    """An adapter on --listen 127.0.0.1:0 that outlives the test's sessions."""
    server = TcpAdapter(tmp_path)
    yield server
    server.stop()
