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

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# need PACKAGE...: install the Debian packages that are missing.
need() {
  local missing=()
  for p in "$@"; do installed "$p" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || true
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Headless Chromium checks the HTML report; openssl builds independent
# signature fixtures; the probe's tests run against real servers.
peers=(openssl chromium mosquitto openssh-server python3-pymodbus python3-serial-asyncio vsftpd inetutils-telnetd socat busybox)
if need "${peers[@]}"; then
  export INSURABLE_REQUIRE_BROWSER=1 INSURABLE_REQUIRE_PEERS=1
else
  log "could not install ${peers[*]}: tests that need them will be skipped"
fi

# The service's storage suite runs on SQLite and on a real PostgreSQL,
# started here and stopped when the script ends.
if pgenv=$(scripts/postgres.sh start); then
  eval "$pgenv"
  export INSURABLE_REQUIRE_POSTGRES=1
  trap 'scripts/postgres.sh stop >/dev/null 2>&1 || true' EXIT
else
  log "PostgreSQL could not be started: its tests will be skipped"
fi

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
