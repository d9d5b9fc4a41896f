#!/usr/bin/env bash
# The Debian packages the test suites use, installed once per machine when we are root.
#
# pytest needs only gcc and make to build testdata/; the rest makes tests run that would otherwise
# skip with a message naming the package (stacks of C++/Go/Rust programs, 32-bit programs, libc's
# own frames, agreement with gdb and eu-stack, the timeline drawn in Chromium). CI (.ci/run, root, a
# fresh clone) installs all of them so that nothing skips there; on a machine where we are not root
# this only says what is missing and which tests will skip.
set -euo pipefail

# package: why the suite wants it
wanted=(
  "gcc:builds testdata/ (required)"
  "make:builds testdata/ (required)"
  "python3-venv:the .venv of make setup (required)"
  "g++:the C++ stacks program"
  "gcc-multilib:the 32-bit (gcc -m32) test programs"
  "golang-go:the Go stacks program"
  "rustc:the Rust stacks programs"
  "libdw1:unwinding, symbols and source lines (elfutils libdw; required for call stacks)"
  "libc6-dbg:libc's own frames with names and lines"
  "gdb:the stacks agreement tests compare with gdb"
  "elfutils:the stacks agreement tests compare with eu-stack"
  "strace:the already-traced refusal tests"
  "chromium:draws the observe timeline (skipped when CHROMIUM names a browser of your own)"
)

missing=()
for entry in "${wanted[@]}"; do
  pkg="${entry%%:*}"
  if [ "$pkg" = chromium ] && [ -n "${CHROMIUM:-}" ]; then continue; fi
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "== system packages: apt-get install ${missing[*]} (once per machine; 1 to 3 minutes) ==" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi

echo "== system packages missing (not root: not installing); tests that need them skip, naming the package ==" >&2
for entry in "${wanted[@]}"; do
  pkg="${entry%%:*}"
  for m in "${missing[@]}"; do [ "$m" = "$pkg" ] && echo "   $pkg: ${entry#*:}" >&2; done
done
echo "   to install them: sudo apt-get install ${missing[*]}" >&2
