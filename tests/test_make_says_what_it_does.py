"""`make setup` and `make test` say, before each long step, what it does and about how long it takes."""

from __future__ import annotations

import re
import subprocess

from procs import REPO

# The steps that run for a minute or more without printing anything of their own.
LONG_STEPS = ["-m pip install --quiet -e", "-m pytest", "npm ci", "run-e2e.sh"]


def test_each_long_step_is_announced_with_a_rough_duration_before_it_starts():
    # -n: print the recipes without running them; -B: as on a fresh clone, where every target is out of date.
    planned = subprocess.run(
        ["make", "-n", "-B", "setup", "test-py", "test-js", "test-e2e"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.splitlines()
    for step in LONG_STEPS:
        at = next(i for i, line in enumerate(planned) if step in line)
        said = [line for line in planned[:at] if line.startswith("echo ")]
        assert said, f"nothing is said before {step!r}"
        assert re.search(r"\b\d+ (to \d+ )?(minutes?|s)\b", said[-1]), (step, said[-1])
