#!/usr/bin/env bash
# The whole editor check from a fresh machine (root, with apt-get, node >= 20 and npm):
#   bash vscode-extension/e2e/run-e2e.sh
# 1. the repository's venv and testdata (make setup), unless PYTHON names an interpreter with dap_threads
# 2. npm ci, the wheels, unit tests (one makes a real environment from the wheels), the .vsix
# 3. the VS Code end-to-end test in code-server (e2e/run.ts; first run installs chromium, node 24 and
#    code-server under ${XDG_CACHE_HOME:-~/.cache}/dap-threads-e2e: 5 to 10 minutes more)
# 4. real nvim-dap with the README's snippet (e2e/nvim-check.sh; skipped without ../shared/vendor/nvim-dap)
# Artifacts (screenshots, logs): vscode-extension/artifacts/e2e/.  Exit status 0 only if all passed.
set -euo pipefail
ext="$(cd "$(dirname "$0")/.." && pwd)"
repo="$(cd "$ext/.." && pwd)"
if [ -z "${PYTHON:-}" ]; then
  make -s -C "$repo" setup
  export PYTHON="$repo/.venv/bin/python"
fi
cd "$ext"
npm ci --no-audit --no-fund --loglevel=error
npm run wheel  # the wheels the .vsix carries: the unit tests also make a real environment from them
npm test
status=0
npm run e2e || status=1
bash e2e/nvim-check.sh || status=1
exit $status
