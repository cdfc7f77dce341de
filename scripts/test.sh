#!/usr/bin/env bash
# Runs every test of insurable. It installs what the tests need from
# Debian's packages when it is missing (idempotent; needs root or sudo for
# that), checks formatting, vet and staticcheck, then runs the whole suite
# with the race detector. Usage: scripts/test.sh [go test flags...]
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '==> %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi
}

apt_updated=
need_pkg() { # need_pkg COMMAND PACKAGE...
  command -v "$1" >/dev/null 2>&1 && return 0
  shift
  log "installing $*"
  if [ -z "$apt_updated" ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || true
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Headless Chromium checks the HTML report; openssl builds independent
# signature fixtures.
if need_pkg chromium chromium; then
  export INSURABLE_REQUIRE_BROWSER=1
else
  log "chromium could not be installed: browser tests will be skipped"
fi
need_pkg openssl openssl
export INSURABLE_REQUIRE_OPENSSL=1

log "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*'))
if [ -n "$unformatted" ]; then
  echo "not gofmt-formatted:" >&2; echo "$unformatted" >&2; exit 1
fi

log "go vet"
go vet ./...

log "staticcheck"
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

log "go test -race"
go test -race -count=1 -timeout 12m "$@" ./...

log "all tests passed"
