#!/usr/bin/env bash
# Builds DIR as the release build laid out by a profile of the gateway's own hot paths (GCC's
# profile-guided optimisation): what the image ships and the benchmark measures. About 7 % fewer
# instructions per forward and 10 % per cache hit than the same Release build without a profile
# (bench/RESULTS.md, issue #16).
#
#   scripts/build-pgo.sh DIR [cmake args...]
#
# 1. DIR is configured with KORE_PGO=generate and kore-gateway is built with instrumented code.
# 2. Training: that binary runs in demo mode (embedded fake upstreams on loopback, real TLS) and
#    answers a mix of requests sent by four curl clients over kept-alive connections: uncached
#    deal forwards, catalog cache hits, an offers forward, a price POST, a CORS preflight, a 400
#    and a 404. It stops on SIGTERM and writes the profile as it exits.
# 3. DIR is configured again with KORE_PGO=use and everything is built.
# 4. The optimised kore-gateway answers the same mix once more.
# Any answer but the expected ones (a 5xx, a failed transfer) fails the build. The profile changes
# how the code is laid out and inlined, not what it does; the test suite builds without it
# (scripts/test.sh). GCC only.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ]; then
    sed -n '7p' "$0" | sed 's/^# *//' >&2
    exit 2
fi
dir=$1
shift
jobs=${KORE_JOBS:-2}
profile=$(realpath -m "$dir")/pgo-profile
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kore-pgo.XXXXXX")
gateway_pid=""
cleanup() {
    [ -z "$gateway_pid" ] || kill -KILL "$gateway_pid" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
die() {
    echo "build-pgo.sh: $1" >&2
    tail -n 20 "$tmp/gateway.log" >&2 2>/dev/null || true
    exit 1
}

# serve_mix BINARY ROUNDS: BINARY in demo mode answers ROUNDS rounds of the mix from each of four
# clients at once, then stops on SIGTERM and must exit 0.
serve_mix() {
    local binary=$1 rounds=$2 port="" ready=0 base i
    # Port 0: the gateway binds a free port and logs it. Deals uncached: each is a forward.
    GATEWAY_PORT=0 GATEWAY_DEALS_TTL_S=0 GATEWAY_LOG_LEVEL=info \
        "$binary" --demo --config config/gateway.json >"$tmp/gateway.log" 2>&1 &
    gateway_pid=$!
    for _ in $(seq 100); do
        port=$(grep -o -m 1 'listening on 127\.0\.0\.1:[0-9]*' "$tmp/gateway.log" | cut -d: -f2 ||
            true)
        [ -n "$port" ] && break
        kill -0 "$gateway_pid" 2>/dev/null || die "$binary ended before listening"
        sleep 0.1
    done
    [ -n "$port" ] || die "$binary did not start listening"
    base=http://127.0.0.1:$port
    for _ in $(seq 100); do # /readyz answers 200 once every upstream has its token
        if curl -fs -o /dev/null --max-time 2 "$base/readyz"; then
            ready=1
            break
        fi
        sleep 0.1
    done
    [ "$ready" = 1 ] || die "$binary did not become ready"

    # Without the last round's closing "next", which would start a transfer with no URL.
    for _ in $(seq "$rounds"); do mix_round "$base"; done | sed '$d' >"$tmp/mix.curl"
    local clients=()
    for i in 1 2 3 4; do
        curl -s -K "$tmp/mix.curl" >"$tmp/codes-$i.txt" &
        clients+=($!)
    done
    for i in "${clients[@]}"; do
        wait "$i" || die "a client of $binary failed"
    done
    sort "$tmp"/codes-*.txt | uniq -c | sed "s|^|build-pgo.sh: $binary answered: |"
    if grep -qvE '^(200|204|400|404)$' "$tmp"/codes-*.txt; then
        die "$binary gave answers other than 200, 204, 400 and 404"
    fi

    kill -TERM "$gateway_pid"
    for _ in $(seq 300); do
        kill -0 "$gateway_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$gateway_pid" 2>/dev/null && die "$binary did not stop on SIGTERM"
    wait "$gateway_pid" || die "$binary exited with an error"
    gateway_pid=""
}

# mix_round BASE: one round of the mix, as curl config entries. Options hold for one transfer
# each (up to its "next"): every transfer writes its status on a line of its own.
mix_round() {
    local base=$1 get
    local product=0e809ad4-2179-4210-9b1d-fc7c3717a4ea offer=fdb231fb-f671-4fc7-87a5-47a317e35847
    local deal=/deals/1234abcd-1234-abcd-123456789abc
    local end='output = "/dev/null"\nwrite-out = "%{http_code}\\n"\nmax-time = 60\nnext\n'
    for get in "$deal" "$deal" /catalog/products /catalog/products \
        "/catalog/products/$product/offers?customerId=demo-customer" \
        /deals/not%20an%20id /no/such/route; do
        printf 'url = "%s%s"\n' "$base" "$get"
        printf '%b' "$end"
    done
    printf 'url = "%s/catalog/products/%s/offers/%s/price?customerId=demo-customer"\n' \
        "$base" "$product" "$offer"
    printf 'request = "POST"\nheader = "Content-Type: application/json"\n'
    printf 'data = "{\\"priceDate\\":\\"2026-11-22T10:00:00Z\\",'
    printf '\\"formData\\":[{\\"elementKey\\":\\"users\\",\\"elementValue\\":5}]}"\n'
    printf '%b' "$end"
    printf 'url = "%s%s"\nrequest = "OPTIONS"\nheader = "Origin: http://127.0.0.1:3000"\n' \
        "$base" "$deal"
    printf 'header = "Access-Control-Request-Method: GET"\n'
    printf '%b' "$end"
}

rm -rf "$profile"
cmake -S . -B "$dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DKORE_PGO=generate \
    -DKORE_PGO_DIR="$profile" "$@"
cmake --build "$dir" -j "$jobs" --target kore-gateway
serve_mix "$dir/kore-gateway" 400
ls "$profile"/*.gcda >/dev/null 2>&1 || die "the training wrote no profile into $profile"

cmake -S . -B "$dir" -DKORE_PGO=use
cmake --build "$dir" -j "$jobs"
serve_mix "$dir/kore-gateway" 20
