#!/usr/bin/env bash
# Starts or stops a throw-away PostgreSQL server for the tests of the
# insurable service, from Debian's packages.
#
#   eval "$(scripts/postgres.sh start)"   # or: . scripts/postgres.sh start
#   go test ./...                          # uses INSURABLE_TEST_POSTGRES
#   scripts/postgres.sh stop
#
# start is idempotent: it installs the postgresql package when initdb is
# missing (apt-get; needs root or sudo), creates a cluster in a temporary
# directory owned by the postgres user, listens on a free loopback port,
# and prints (or, when sourced, performs) the export of
# INSURABLE_TEST_POSTGRES=postgres://…. A second start reuses the running
# server. stop stops it and removes the cluster. INSURABLE_PG_DIR chooses
# where the cluster lives (default /tmp/insurable-postgres).
set -euo pipefail

pg_state=${INSURABLE_PG_DIR:-/tmp/insurable-postgres}

pg_log() { printf '==> %s\n' "$*" >&2; }

pg_as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi
}

pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
  done
  return 1
}

pg_as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"
  elif [ "$(id -u)" = 0 ]; then
    if command -v runuser >/dev/null; then runuser -u postgres -- "$@"; else su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; fi
  else sudo -u postgres "$@"; fi
}

pg_free_port() {
  local p
  for p in $(seq 55432 55532); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

pg_url() { echo "postgres://postgres@127.0.0.1:$(cat "$pg_state/port")/postgres?sslmode=disable"; }

pg_start() {
  local bin port
  if ! bin=$(pg_bin); then
    pg_log "installing postgresql"
    pg_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || true
    pg_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    bin=$(pg_bin)
  fi
  if [ -f "$pg_state/port" ] && pg_as_postgres "$bin/pg_ctl" -D "$pg_state/data" status >/dev/null 2>&1; then
    pg_log "PostgreSQL already running on port $(cat "$pg_state/port")"
  else
    rm -rf "$pg_state"
    mkdir -p "$pg_state"
    chown postgres "$pg_state" 2>/dev/null || pg_as_root chown postgres "$pg_state"
    pg_as_postgres "$bin/initdb" -D "$pg_state/data" -U postgres --auth=trust -E UTF8 >/dev/null
    port=$(pg_free_port)
    pg_as_postgres sh -c "echo $port > '$pg_state/port'"
    pg_as_postgres "$bin/pg_ctl" -D "$pg_state/data" -l "$pg_state/log" -w \
      -o "-p $port -k $pg_state -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
    pg_log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on port $port (cluster $pg_state)"
  fi
  export INSURABLE_TEST_POSTGRES
  INSURABLE_TEST_POSTGRES=$(pg_url)
  echo "export INSURABLE_TEST_POSTGRES='$INSURABLE_TEST_POSTGRES'"
}

pg_stop() {
  local bin
  if [ -d "$pg_state/data" ] && bin=$(pg_bin); then
    pg_as_postgres "$bin/pg_ctl" -D "$pg_state/data" -m fast -w stop >/dev/null 2>&1 || true
    pg_log "PostgreSQL stopped"
  fi
  rm -rf "$pg_state"
  unset INSURABLE_TEST_POSTGRES
}

case "${1:-}" in
  start) pg_start ;;
  stop) pg_stop ;;
  *) echo "usage: $0 start|stop" >&2; return 2 2>/dev/null || exit 2 ;;
esac
