#!/bin/sh
# Builds what the .vsix carries so that the extension installs the adapter itself, with no network
# (src/environment.ts): in wheels/,
#   - the dap-threads wheel of this checkout (dap-threads is not on PyPI);
#   - the wheels of its dependencies for Linux x86_64 and aarch64 (pure-Python, or manylinux abi3:
#     one file serves every CPython >= 3.11), from PyPI with `pip download --only-binary=:all:`;
#   - pip's own wheel, which runs straight from the file (python pip.whl/pip install ...), so that a
#     Python without ensurepip (Debian's python3 without python3-venv) can still fill the environment.
# Uses $PYTHON, else the checkout's .venv (make setup), else python3. The dependencies are fetched again
# only when pyproject.toml changed (wheels/.deps-of holds the hash it was fetched for).
set -eu
cd "$(dirname "$0")"
if [ -n "${PYTHON:-}" ]; then
  python="$PYTHON"
elif [ -x ../.venv/bin/python ]; then
  python=../.venv/bin/python
else
  python=python3
fi
mkdir -p wheels
rm -f wheels/dap_threads-*.whl
# Without the compiled helper (setup.py): a pure-Python wheel serves every Python >= 3.11 on every
# architecture, where one with the helper would install only on the Python and machine that built it.
DAP_THREADS_PURE_PYTHON=1 "$python" -m pip wheel --quiet --no-deps --wheel-dir wheels ..
ours="$(ls wheels/dap_threads-*.whl)"

stamp="$(sha256sum ../pyproject.toml | cut -c1-64)"
if [ "$(cat wheels/.deps-of 2>/dev/null)" != "$stamp" ]; then
  find wheels -name '*.whl' ! -name 'dap_threads-*' -delete
  for arch in x86_64 aarch64; do
    "$python" -m pip download --quiet --disable-pip-version-check --only-binary=:all: \
      --platform "manylinux2014_$arch" --platform "manylinux_2_17_$arch" --platform "manylinux_2_28_$arch" \
      --python-version 3.11 --implementation cp --dest wheels "$ours" pip
  done
  # A wheel built for one CPython version only would leave the others without it.
  if ls wheels | grep -E -- '-cp3[0-9]+-cp3[0-9]+-' >/dev/null; then
    echo "build-wheel.sh: a dependency has no abi3 or pure-Python wheel; download it for each Python version too:" >&2
    ls wheels | grep -E -- '-cp3[0-9]+-cp3[0-9]+-' >&2
    exit 1
  fi
  echo "$stamp" > wheels/.deps-of
fi
ls "$ours" wheels/pip-*.whl >/dev/null
