"""`python -m build` makes a wheel and an sdist that install into a fresh virtual environment and run.

dap-threads is not on PyPI: a checkout, `pipx install .` or a built wheel is how people get it, so
what `python -m build` makes must work on its own, away from the source tree. Needs the network
(PyPI) for the build backend and the dependencies, as `make setup` does.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from procs import REPO, program


def sh(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{args} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def test_the_wheel_and_the_sdist_install_into_a_fresh_venv_and_run(tmp_path: Path):
    dist = tmp_path / "dist"
    sh(sys.executable, "-m", "build", "--outdir", dist, REPO, cwd=tmp_path)
    wheels, sdists = list(dist.glob("dap_threads-*.whl")), list(dist.glob("dap_threads-*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, sorted(p.name for p in dist.iterdir())

    for artifact in (wheels[0], sdists[0]):
        venv = tmp_path / f"venv-{artifact.suffix.lstrip('.')}"
        sh(sys.executable, "-m", "venv", venv, cwd=tmp_path)
        sh(venv / "bin" / "python", "-m", "pip", "install", "--quiet", artifact, cwd=tmp_path)
        # From tmp_path, not the checkout: what runs is what was installed.
        found = sh(venv / "bin" / "python", "-c", "import dap_threads; print(dap_threads.__file__)", cwd=tmp_path)
        assert found.stdout.startswith(str(venv)), found.stdout
        assert "dap-threads" in sh(venv / "bin" / "dap-threads", "--help", cwd=tmp_path).stdout
        run = subprocess.run(
            [venv / "bin" / "dap-threads", "run", "--", program("exitcode"), "5", "0"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 5, (artifact.name, run.stdout, run.stderr)
        assert "exitcode: 5" in run.stdout
        assert "[dap-threads]" in run.stdout and "exited with status 5" in run.stdout
