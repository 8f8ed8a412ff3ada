#!/usr/bin/env bash
# What the test suites need from the operating system, installed from Debian's packages when missing:
#   chromium    the browser checks (apps/miniapp/src/consent-panel.test.ts), driven by playwright-core.
# Nothing is downloaded outside the package manager (playwright's own browser download fails on these machines).
# Already installed: it does nothing. Not Debian, or not root and no sudo: it names what to install and fails.
set -euo pipefail

missing=()
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0

fail() {
  echo "test-machine: the tests need ${missing[*]}: $1" >&2
  exit 1
}
command -v apt-get >/dev/null || fail "install it with your package manager (or set CHROMIUM_PATH to a Chromium binary)"
run=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || fail "run 'apt-get install ${missing[*]}' as root"
  run=(sudo)
fi

echo "test-machine: installing ${missing[*]} from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have no package lists yet: read them once, only if the first attempt needs it.
"${run[@]}" apt-get install -y -q "${missing[@]}" >/dev/null ||
  { "${run[@]}" apt-get update -q >/dev/null && "${run[@]}" apt-get install -y -q "${missing[@]}" >/dev/null; }
