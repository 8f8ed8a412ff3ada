#!/usr/bin/env bash
# What the test suites need from the operating system, installed from Debian's packages when missing:
#   chromium    the browser checks (the consent panel, the preview), driven by playwright-core.
#   postgresql  the PostgreSQL suites of the server and the bench: each run starts a throwaway cluster from its
#               programs (apps/server/src/testing/postgres.ts), as the package's unprivileged `postgres` account
#               when the tests run as root. The package's own cluster is not used.
#   prometheus  the alert rules' checks (`promtool check rules`, `promtool test rules`) and the real scrape
#               (apps/server/test/prometheus-scrape.test.ts), each on a throwaway config and data folder. The
#               package's own service is not used.
# (The bench's on-CPU profiles need Debian's linux-perf; `pnpm bench` checks for it, `pnpm test` does not.)
# Nothing is downloaded outside the package manager (playwright's own browser download fails on these machines).
# Already installed: it does nothing. Not Debian, or not root and no sudo: it names what to install and fails.
set -euo pipefail

missing=()
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
has_postgres() {
  [ -n "${TEST_DATABASE_URL:-}" ] && return 0 # the developer's own server (see the README)
  [ -x "${PG_BIN:-/nonexistent}/initdb" ] && return 0
  command -v initdb >/dev/null && return 0
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || return 1
  # As root the cluster runs as `postgres`, which the package creates.
  [ "$(id -u)" -ne 0 ] || id postgres >/dev/null 2>&1
}
has_postgres || missing+=(postgresql)
{ command -v promtool >/dev/null && command -v prometheus >/dev/null; } || missing+=(prometheus)
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
