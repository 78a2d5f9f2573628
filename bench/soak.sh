#!/usr/bin/env bash
# Soak test: the Release gateway against the fake upstreams of bench/soak/soak_upstream (plain
# HTTP on loopback, ~1% of upstream answers spoiled), under mixed wrk load (bench/soak/mixed.lua:
# catalog hits and misses, deals, price POSTs). Measures the gateway's RSS and open file
# descriptors after a warm-up and again after the measured run, once idle upstream connections
# have been closed (the pool closes them 30 s after last use), and counts answers by class.
# Fails if the gateway died, its RSS grew by more than 10 %, or its descriptor count changed.
# Usage: bench/soak.sh   (SOAK_DURATION=60 SOAK_WARMUP=15 SOAK_CONNECTIONS=32 SOAK_SETTLE=35,
#        KORE_SOAK_BUILD_DIR=build: another directory is configured without the tests)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${SOAK_DURATION:-60}
warmup=${SOAK_WARMUP:-15}
connections=${SOAK_CONNECTIONS:-32}
settle=${SOAK_SETTLE:-35}
dir=${KORE_SOAK_BUILD_DIR:-build}
./scripts/bootstrap.sh bench # wrk

extra=()
[ "$dir" = build ] || extra=(-DKORE_BUILD_TESTS=OFF)
./scripts/build.sh "$dir" Release "${extra[@]}"
if ! grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$dir/CMakeCache.txt"; then
    echo "soak.sh: $dir is not a Release build; set KORE_SOAK_BUILD_DIR to another directory" >&2
    exit 2
fi
if [ ! -f "$dir/soak/CMakeCache.txt" ]; then
    cmake -S bench/soak -B "$dir/soak" -DKORE_BUILD_DIR="$PWD/$dir" -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$dir/soak" -j "${KORE_JOBS:-2}"

work=$(mktemp -d)
upstream_pid="" gateway_pid=""
cleanup() {
    [ -n "$gateway_pid" ] && kill "$gateway_pid" 2>/dev/null || true
    [ -n "$upstream_pid" ] && kill "$upstream_pid" 2>/dev/null || true
    [ -n "$gateway_pid" ] && wait "$gateway_pid" 2>/dev/null || true
    [ -n "$upstream_pid" ] && wait "$upstream_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

: >"$work/upstream.env" # exists before the loop below reads it
"$dir/soak/soak_upstream" >"$work/upstream.env" 2>"$work/upstream.log" &
upstream_pid=$!
for _ in $(seq 100); do
    grep -q '^CATALOG_API_KEY=' "$work/upstream.env" && break
    sleep 0.1
done
grep -q '^CATALOG_API_KEY=' "$work/upstream.env" || { echo "soak.sh: upstream did not start" >&2; exit 1; }

port=${SOAK_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
# A small cache bound and a short TTL: the cache fills during the warm-up and then evicts and
# refreshes all along the run (refreshes that meet a fault are served stale).
mapfile -t upstream_env <"$work/upstream.env"
env "${upstream_env[@]}" GATEWAY_PORT="$port" GATEWAY_LISTEN_ADDRESS=127.0.0.1 \
    GATEWAY_THREADS=2 GATEWAY_LOG_LEVEL=warn GATEWAY_CACHE_MAX_BYTES=4194304 \
    GATEWAY_CATALOG_TTL_S=5 GATEWAY_UPSTREAM_TIMEOUT_MS=2000 \
    "$dir/kore-gateway" --config config/gateway.json >"$work/gateway.log" 2>&1 &
gateway_pid=$!
url=http://127.0.0.1:$port
for _ in $(seq 100); do
    curl -fs "$url/readyz" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fs "$url/readyz" >/dev/null || { echo "soak.sh: gateway not ready" >&2; cat "$work/gateway.log" >&2; exit 1; }

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$gateway_pid/status"; }
fd_count() { ls "/proc/$gateway_pid/fd" | wc -l; }
alive() { kill -0 "$gateway_pid" 2>/dev/null; }
load() { # seconds, output file
    timeout $(($1 + 30)) wrk -t2 -c"$connections" -d"$1s" --timeout 10s \
        -s bench/soak/mixed.lua "$url" >"$2"
}

echo "== soak.sh: warm-up ${warmup} s, then ${settle} s idle"
load "$warmup" "$work/warmup.txt"
sleep "$settle"
alive || { echo "soak.sh: the gateway died during the warm-up" >&2; exit 1; }
rss_before=$(rss_kib)
fds_before=$(fd_count)

echo "== soak.sh: ${duration} s of mixed load, ${connections} connections"
run_ok=0
load "$duration" "$work/run.txt" || run_ok=$?
sleep "$settle"
# The idle sweep runs on a timer: give it a little longer before calling a difference a leak.
for _ in $(seq 20); do
    alive && [ "$(fd_count)" -eq "$fds_before" ] && break
    sleep 1
done
crashed=no
alive || crashed=yes
rss_after=$([ $crashed = no ] && rss_kib || echo 0)
fds_after=$([ $crashed = no ] && fd_count || echo 0)

kill "$upstream_pid"
wait "$upstream_pid" || true
upstream_pid=""

growth=$(awk -v a="$rss_before" -v b="$rss_after" 'BEGIN { printf "%.1f", (b - a) * 100 / a }')
{
    echo "command: bench/soak.sh (SOAK_DURATION=$duration SOAK_WARMUP=$warmup SOAK_CONNECTIONS=$connections SOAK_SETTLE=$settle, build dir $dir)"
    echo "wrk: -t2 -c$connections -d${duration}s, exit $run_ok"
    grep '^soak:' "$work/run.txt" | sed 's/^soak: /  /'
    grep -E 'Requests/sec' "$work/run.txt" | sed 's/^ */  /'
    echo "upstream: $(sed 's/^soak_upstream: //' "$work/upstream.log")"
    echo "gateway warnings logged: $(grep -c '' "$work/gateway.log" || true)"
    echo "rss_kib: before=$rss_before after=$rss_after growth=${growth}%"
    echo "open_fds: before=$fds_before after=$fds_after"
    echo "crashed: $crashed"
} | tee "$work/summary.txt"
[ -n "${SOAK_REPORT:-}" ] && cp "$work/summary.txt" "$SOAK_REPORT"

fail=0
[ "$crashed" = no ] || { echo "soak.sh: FAIL: the gateway died" >&2; fail=1; }
awk -v g="$growth" 'BEGIN { exit !(g > 10) }' && { echo "soak.sh: FAIL: RSS grew by ${growth}%" >&2; fail=1; }
[ "$fds_before" -eq "$fds_after" ] || { echo "soak.sh: FAIL: open fds $fds_before -> $fds_after" >&2; fail=1; }
[ "$run_ok" -eq 0 ] || { echo "soak.sh: FAIL: wrk exited $run_ok" >&2; fail=1; }
exit $fail
