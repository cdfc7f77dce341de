#!/usr/bin/env bash
# Measures the read endpoints of `insurable serve` on SQLite with wrk,
# from a second process on loopback. It builds the binary, starts
# `serve --demo` (the example firms, an insurer, assessed and issued
# policies), reads the insurer's token and ids from its output, and runs
# wrk against each read endpoint. Needs Debian's wrk (installed when
# missing). Usage: scripts/bench-service.sh [DURATION] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10s}
conns=${2:-32}
command -v wrk >/dev/null || { apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/insurable" ./cmd/insurable
"$work/insurable" serve --demo --addr 127.0.0.1:0 --data "$work/data" >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 1 300); do grep -q "listening on" "$work/out" && break; sleep 0.1; done
addr=$(sed -n 's/.*listening on http:\/\/\([^ ]*\).*/\1/p' "$work/out")
token=$(awk '$1 == "insurer" {print $NF}' "$work/out")
firm=$(awk '$1 == "firm" {print $(NF-2); exit}' "$work/out")
policy=$(sed -n 's/.*Keystone Precision Components: policy \([^,]*\),.*/\1/p' "$work/out")
assessment=$(sed -n 's/.*Keystone Precision Components: policy [^,]*, assessment \([^:]*\):.*/\1/p' "$work/out")
cat >"$work/auth.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $token"
LUA
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "server: insurable serve --demo (SQLite, WAL) at $addr; wrk $duration, 2 threads, $conns connections"
for path in "/api/policies/$policy" "/api/policies" "/api/policies/$policy/transitions" "/api/policies/$policy/remediation" "/api/orgs/$firm" "/api/alerts" "/healthz"; do
  echo "== GET $path"
  wrk -t2 -c"$conns" -d"$duration" --latency -s "$work/auth.lua" "http://$addr$path" | grep -E "Requests/sec|  50%|  99%|Non-2xx|Socket errors"
done
echo "== GET /api/assessments/{id} (a full result, ~100 KiB)"
wrk -t2 -c"$conns" -d"$duration" --latency -s "$work/auth.lua" "http://$addr/api/assessments/$assessment" | grep -E "Requests/sec|  50%|  99%|Non-2xx"
