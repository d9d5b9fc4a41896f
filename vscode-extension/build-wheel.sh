#!/bin/sh
# Builds the dap-threads wheel of this checkout into wheel/, for the .vsix to carry: the extension
# offers it as the install command when the Python package is missing (src/install.ts), since
# dap-threads is not on PyPI. Uses $PYTHON, else the checkout's .venv (make setup), else python3;
# it needs pip, and fetches the build backend (setuptools) from PyPI the first time.
set -eu
cd "$(dirname "$0")"
if [ -n "${PYTHON:-}" ]; then
  python="$PYTHON"
elif [ -x ../.venv/bin/python ]; then
  python=../.venv/bin/python
else
  python=python3
fi
rm -rf wheel
"$python" -m pip wheel --quiet --no-deps --wheel-dir wheel ..
