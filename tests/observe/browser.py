"""Headless Chromium for the observe tests: a screenshot of a page, and its DOM after its scripts ran.

Chromium comes from Debian (``apt-get install -y chromium``; .ci/run installs
it). Without it the tests that need it skip, saying so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")


def chromium() -> str:
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("headless Chromium is needed to render the timeline: apt-get install -y chromium")


def _run(url: str, *flags: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="dap-threads-chromium-") as profile:
        argv = [
            chromium(),
            "--headless",
            "--no-sandbox",  # root in CI; the page is our own file
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            f"--user-data-dir={profile}",
            *flags,
            url,
        ]
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False, cwd=profile)


def url_of(path: Path, fragment: str = "") -> str:
    return path.resolve().as_uri() + (f"#{fragment}" if fragment else "")


def screenshot(page: Path, png: Path, size: tuple[int, int] = (1600, 1000), fragment: str = "") -> None:
    png.parent.mkdir(parents=True, exist_ok=True)
    if png.exists():
        os.unlink(png)
    done = _run(
        url_of(page, fragment),
        f"--window-size={size[0]},{size[1]}",
        "--virtual-time-budget=5000",  # let the page finish what it schedules before the picture
        f"--screenshot={png.resolve()}",
    )
    assert png.exists() and png.stat().st_size > 10_000, f"no screenshot: {done.stderr[-2000:]}"


def dom_after_scripts(page: Path, size: tuple[int, int] = (1600, 1000), fragment: str = "") -> str:
    done = _run(url_of(page, fragment), f"--window-size={size[0]},{size[1]}", "--dump-dom")
    assert "<body" in done.stdout, f"no DOM: {done.stderr[-2000:]}"
    return done.stdout
