#!/usr/bin/env bash
# The README's two commands as a new user runs them, on this machine made as fresh as one can be:
#   - a clone of the committed HEAD in an empty folder: no ../shared beside it, no .venv, no builds;
#   - an empty HOME: no ~/.cache (so no editor-test cache), no ~/.npm, no pip cache, no ~/.npmrc and
#     no ~/.config/pip (so no local package mirror);
#   - a clean environment (env -i): no npm_config_*, PIP_*, DAP_SCHEMA or XDG_* from this shell, and
#     the system's PATH and python3. Only variables that describe how this machine reaches the network
#     (proxies, CA bundles) are passed on: a user's machine has its own.
# Then `make demo` and `make test` must both succeed; it prints how long each took.
#
#   bash tests/fresh_clone_check.sh [WORKDIR]
#   FRESH_CLONE_TARGETS="demo test-e2e" bash tests/fresh_clone_check.sh   (other make targets, in order)
#
# WORKDIR (default: a new folder under /tmp) is removed on success and kept on failure. Takes a while:
# the first editor-test run on a machine installs Chromium (apt-get, so run it as root), Node 24 and
# code-server under the empty HOME. Uncommitted changes are not part of the check.
set -euo pipefail
repo="$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
commit="$(git -C "$repo" rev-parse HEAD)"
work="${1:-$(mktemp -d "${TMPDIR:-/tmp}/dap-threads-fresh-XXXXXX")}"
if [ -n "$(ls -A "$work" 2>/dev/null)" ]; then
  echo "fresh_clone_check: $work is not empty; give an empty or new folder" >&2
  exit 2
fi
if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]; then
  echo "fresh_clone_check: note: uncommitted changes in $repo are not part of this check" >&2
fi

mkdir -p "$work/home"
git clone --quiet --no-hardlinks "$repo" "$work/dap-threads"
git -C "$work/dap-threads" checkout --quiet --detach "$commit"

environment=(
  "HOME=$work/home"
  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  "LANG=C.UTF-8"
  "TERM=${TERM:-dumb}"
  "USER=$(id -un)"
)
# PYTHONDONTWRITEBYTECODE too, where this shell has it: CI images set it, and it changes what the
# first imports cost (make setup compiles the package's bytecode because of it).
for name in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY \
  SSL_CERT_FILE SSL_CERT_DIR REQUESTS_CA_BUNDLE PIP_CERT NODE_EXTRA_CA_CERTS PYTHONDONTWRITEBYTECODE; do
  if [ -n "${!name:-}" ]; then environment+=("$name=${!name}"); fi
done

times=()
step() {
  local start=$SECONDS
  echo "== fresh_clone_check: $* (in $work/dap-threads, HOME=$work/home) ==" >&2
  if ! (cd "$work/dap-threads" && env -i "${environment[@]}" "$@" </dev/null); then
    echo "== fresh_clone_check: FAILED: $* after $((SECONDS - start)) s; the clone is kept in $work ==" >&2
    exit 1
  fi
  times+=("$*: $((SECONDS - start)) s")
}

for target in ${FRESH_CLONE_TARGETS:-demo test}; do
  step make "$target"
done

echo "== fresh_clone_check: make ${FRESH_CLONE_TARGETS:-demo test} passed on a fresh clone of ${commit:0:12} =="
printf '   %s\n' "${times[@]}"
rm -rf "$work"
