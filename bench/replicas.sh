#!/usr/bin/env bash
# Benchmark of replicas sharing one cache and one token through Redis (CONTRACT.md section 13,
# issue #14 item 8):
# 3 gateway replicas against 1, on loopback, with the demo's fakes (kore-demo-upstreams) as the
# upstreams and a redis-server, so that the fakes' own counts say what reached the upstreams.
#
#   bench/replicas.sh [--no-instructions]
#
# Configurations, each started fresh against the same fakes and stopped before the next:
#   one       1 gateway, no Redis
#   three     3 gateways, no Redis (what replicas cost the upstreams without the shared tier)
#   redis     3 gateways sharing one Redis
# In each: KEYS distinct cacheable URLs (the offers of one product for customerId=<config>-1..KEYS)
# each requested PER_KEY times at once, spread round-robin over the replicas (one curl --parallel),
# then DEALS concurrent deal forwards (not cached): catalog requests per key and token requests,
# from the fakes' counts (SIGUSR1) and the gateways' metrics.
# In "redis", and in "one" for comparison, sequential latencies (curl's time_total on one
# keep-alive connection to the last replica, LATENCY_KEYS keys per kind, the kinds interleaved):
# a miss (upstream fetch), an L1 hit and, in "redis", an L2 hit (keys filled through replica 1,
# so that the last replica's L1 is cold).
# Unless --no-instructions: user-space instructions per L1 hit (GET /catalog/products, hot) of one
# gateway with GATEWAY_REDIS_URL set and one without, both under valgrind's callgrind during a wrk
# run of INSTRUCTION_SECONDS, ROUNDS times alternating (bench/run.sh --instructions' method).
#
# Tunables (environment): BUILD_DIR (build), KEYS (10), PER_KEY (30), DEALS (30), LATENCY_KEYS
# (200), THREADS (2, I/O threads per gateway), ROUNDS (3), INSTRUCTION_SECONDS (4),
# INSTRUCTION_CONNECTIONS (8). Runs copies of the binaries (one build per run). Prints a Markdown
# report on stdout, progress on stderr. Every load is bounded by a count and a time; everything
# listens on 127.0.0.1; every process is stopped by its PID; the temporary directory is removed
# on exit.
set -euo pipefail

instructions=1
for arg in "$@"; do
    case "$arg" in
        --no-instructions) instructions=0 ;;
        -h | --help) sed -n '2,/^set /{/^#/p}' "$0" && exit 0 ;;
        *) echo "replicas.sh: unknown argument '$arg'" >&2 && exit 2 ;;
    esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-build}
[[ "$build_dir" = /* ]] || build_dir=$root/$build_dir
KEYS=${KEYS:-10} PER_KEY=${PER_KEY:-30} DEALS=${DEALS:-30} LATENCY_KEYS=${LATENCY_KEYS:-200}
THREADS=${THREADS:-2} ROUNDS=${ROUNDS:-3} INSTRUCTION_SECONDS=${INSTRUCTION_SECONDS:-4}
INSTRUCTION_CONNECTIONS=${INSTRUCTION_CONNECTIONS:-8}
product=0e809ad4-2179-4210-9b1d-fc7c3717a4ea
deal_path=/deals/1234abcd-1234-abcd-123456789abc

log() { printf '[replicas.sh %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}
tools=(redis-server redis-cli curl ss timeout awk)
[ "$instructions" = 0 ] || tools+=(wrk valgrind callgrind_control)
for tool in "${tools[@]}"; do
    command -v "$tool" >/dev/null || die "$tool is missing (scripts/bootstrap.sh ci bench)"
done
for binary in kore-gateway kore-demo-upstreams; do
    [ -x "$build_dir/$binary" ] || die "$build_dir/$binary is not built"
done
# shellcheck source-path=SCRIPTDIR source=../scripts/lib/replicas_env.sh
source "$root/scripts/lib/replicas_env.sh"

# ---------------------------------------------------------------------------------------------
# Processes: every one is recorded and stopped by PID (scripts/lib/replicas_env.sh).
make_scratch_dir kore-bench-replicas

# Copies, so that one run measures one build even if the build directory is rebuilt meanwhile.
mkdir "$tmp/bin"
cp "$build_dir/kore-gateway" "$build_dir/kore-demo-upstreams" "$tmp/bin/"
built_at="$(date -u -r "$build_dir/kore-gateway" +%H:%M:%SZ), sha256 $(
    sha256sum "$tmp/bin/kore-gateway" | cut -c1-12)"

# ---------------------------------------------------------------------------------------------
# Redis (generated password, nothing persisted) and one set of fakes for every configuration.
start_redis || die "redis-server did not start: $(tail -3 "$tmp/redis.log")"
start_upstreams "$tmp/bin/kore-demo-upstreams" || die "kore-demo-upstreams did not start"

# fake_counts: "token kore catalog", what the fakes received since they started.
fake_counts() {
    local counts
    counts=$(upstream_counts) || die "kore-demo-upstreams printed no counts"
    [[ "$counts" =~ token=([0-9]+)\ kore=([0-9]+)\ catalog=([0-9]+) ]] ||
        die "kore-demo-upstreams printed '$counts'"
    echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]} ${BASH_REMATCH[3]}"
}

# start_replica NAME REDIS_PREFIX [WRAPPER...]: a gateway logging to $tmp/NAME.log, sharing
# Redis under REDIS_PREFIX ("" for no Redis); sets $gateway_port and $gateway_pid.
start_replica() {
    local name=$1 prefix=$2 settings=()
    shift 2
    [ -z "$prefix" ] || settings=("${redis_env[@]}" GATEWAY_REDIS_KEY_PREFIX="$prefix:")
    start_gateway "$tmp/$name.log" "$tmp/bin/kore-gateway" "${settings[@]}" \
        GATEWAY_THREADS="$THREADS" GATEWAY_LOG_LEVEL=warn -- "$@" ||
        die "gateway $name not ready: $(tail -5 "$tmp/$name.log")"
}

# metric PORT NAME [LABEL_FILTER]: the sum of NAME's samples whose labels match LABEL_FILTER
# (0 when there are none).
metric() {
    local value
    value=$(metric_in "$(curl -fsS --max-time 5 "http://127.0.0.1:$1/metrics")" "$2" "${3:-}")
    [ "$value" != - ] || value=0
    echo "$value"
}
metric_sum() { # NAME FILTER PORT...: metric summed over gateways
    local total=0 port
    for port in "${@:3}"; do
        total=$((total + $(metric "$port" "$1" "$2")))
    done
    echo "$total"
}

# fetch_all NAME PARALLEL URL...: GETs every URL (at once when PARALLEL is 1, else one after the
# other on one keep-alive connection), bounded by 20 s each and 120 s in all; writes
# "status seconds x-cache" per request to $tmp/NAME.out.
fetch_all() {
    local name=$1 parallel=() url
    [ "$2" = 0 ] || parallel=(--parallel --parallel-immediate --parallel-max 300)
    for url in "${@:3}"; do
        printf 'url = "%s"\noutput = "/dev/null"\n' "$url"
    done >"$tmp/$name.curl"
    timeout 120 curl -s --no-progress-meter --max-time 20 "${parallel[@]}" -K "$tmp/$name.curl" \
        -w '%{http_code} %{time_total} %header{x-cache}\n' >"$tmp/$name.out" ||
        die "curl for $name failed"
}
tally() { # NAME: "count× status x-cache" for each distinct pair in $tmp/NAME.out
    awk '{print $1, $3}' "$tmp/$1.out" | sort | uniq -c |
        awk '{printf "%s%s× %s%s", s, $1, $2, ($3 == "" ? "" : " " $3); s = ", "}'
}
# percentiles NAME: "p50 p99" of the times in $tmp/NAME.out, in ms.
percentiles() {
    sort -g -k2,2 "$tmp/$1.out" | awk '{t[NR] = $2 * 1000}
        END { i = int(NR * 0.5 + 0.999); j = int(NR * 0.99 + 0.999)
              printf "%.3f %.3f\n", t[i], t[j] }'
}
offers_url() { echo "http://127.0.0.1:$1/catalog/products/$product/offers?customerId=$2"; }

# ---------------------------------------------------------------------------------------------
# One configuration: NAME REPLICAS REDIS(0|1).
rows=() latency_rows=()
configuration() {
    local name=$1 replicas=$2 redis=$3 ports=() started=() n k m urls=() before after
    local token0 kore0 catalog0 token1 kore1 catalog1 prefix=""
    [ "$redis" = 0 ] || prefix=$name
    read -r token0 kore0 catalog0 < <(fake_counts)
    for ((n = 1; n <= replicas; n++)); do
        start_replica "$name-$n" "${prefix}"
        ports+=("$gateway_port")
        started+=("$gateway_pid")
    done
    log "$name: $replicas gateway(s) on ${ports[*]}; $KEYS keys × $PER_KEY concurrent GETs"
    for ((m = 0; m < PER_KEY; m++)); do
        for ((k = 1; k <= KEYS; k++)); do
            urls+=("$(offers_url "${ports[(m + k) % replicas]}" "$name-$k")")
        done
    done
    fetch_all "$name-burst" 1 "${urls[@]}"
    read -r _ _ catalog1 < <(fake_counts)
    local metric_catalog l2_hits lock_waits
    metric_catalog=$(metric_sum kore_gateway_upstream_requests_total 'upstream="catalog"' \
        "${ports[@]}")
    l2_hits=$(metric_sum kore_gateway_l2_hits_total '' "${ports[@]}")
    lock_waits=$(metric_sum kore_gateway_redis_lock_waits_total '' "${ports[@]}")
    urls=()
    for ((m = 0; m < DEALS; m++)); do
        urls+=("http://127.0.0.1:${ports[m % replicas]}$deal_path")
    done
    fetch_all "$name-deals" 1 "${urls[@]}"
    read -r token1 kore1 _ < <(fake_counts)
    rows+=("| $name | $replicas | $([ "$redis" = 1 ] && echo yes || echo no) | $((KEYS * PER_KEY)) ($(tally "$name-burst")) | $((catalog1 - catalog0)) | $(awk -v c=$((catalog1 - catalog0)) -v k="$KEYS" 'BEGIN {printf "%.2f", c / k}') | $metric_catalog | $l2_hits | $lock_waits | $DEALS ($(tally "$name-deals")), $((kore1 - kore0)) at the fake | $((token1 - token0)) | $(metric_sum kore_gateway_token_requests_total '' "${ports[@]}") |")

    # Latency: the kinds interleaved key by key on one connection to the last replica, so that
    # the machine's drift hits them alike; in "redis" the l2 keys are filled through replica 1.
    if [ "$name" != three ]; then
        local a=${ports[0]} b=${ports[$((replicas - 1))]} kinds=(miss l1) kind l2_note="" note
        log "$name: latency, $LATENCY_KEYS keys per kind"
        if [ "$replicas" -gt 1 ]; then
            kinds+=(l2)
            urls=()
            for ((k = 1; k <= LATENCY_KEYS; k++)); do
                urls+=("$(offers_url "$a" "$name-l2-$k")")
            done
            fetch_all "$name-fill" 0 "${urls[@]}"
            before=$(metric "$b" kore_gateway_l2_hits_total)
        fi
        urls=()
        for ((k = 1; k <= LATENCY_KEYS; k++)); do
            urls+=("$(offers_url "$b" "$name-miss-$k")" "$(offers_url "$b" "$name-miss-$k")")
            [ "$replicas" = 1 ] || urls+=("$(offers_url "$b" "$name-l2-$k")")
        done
        fetch_all "$name-latency" 0 "${urls[@]}"
        [ "$replicas" = 1 ] ||
            l2_note="; the replica's L2 hits: $(($(metric "$b" kore_gateway_l2_hits_total) -
                before))"
        for ((k = 0; k < ${#kinds[@]}; k++)); do
            kind=${kinds[k]}
            awk -v n=${#kinds[@]} -v k="$k" '(NR - 1) % n == k' "$tmp/$name-latency.out" \
                >"$tmp/$name-$kind.out"
            read -r before after < <(percentiles "$name-$kind")
            note=""
            [ "$kind" != l2 ] || note=$l2_note
            latency_rows+=("| $name | $kind | $before | $after | $(tally "$name-$kind")$note |")
        done
    fi
    stop "${started[@]}"
}

commit=$(git -C "$root" rev-parse --short HEAD)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
configuration one 1 0
configuration three 3 0
configuration redis 3 1

# ---------------------------------------------------------------------------------------------
# Instructions per L1 hit, Redis configured or not (bench/run.sh --instructions' method).
instruction_rows=()
if [ "$instructions" = 1 ]; then
    declare -A port_of pid_of
    for variant in plain redis; do
        prefix=""
        [ "$variant" = plain ] || prefix=callgrind
        start_replica "callgrind-$variant" "$prefix" \
            valgrind --tool=callgrind --instr-atstart=no \
            "--callgrind-out-file=$tmp/callgrind-$variant.%p"
        port_of[$variant]=$gateway_port pid_of[$variant]=$gateway_pid
        timeout 60 callgrind_control -i on "$gateway_pid" >/dev/null 2>&1 ||
            die "callgrind_control -i"
    done
    for round in $(seq "$ROUNDS"); do
        for variant in plain redis; do
            url=http://127.0.0.1:${port_of[$variant]}/catalog/products
            pid=${pid_of[$variant]}
            curl -fs --max-time 20 -o /dev/null "$url" || die "$variant: $url failed"
            timeout 60 wrk -t1 -c"$INSTRUCTION_CONNECTIONS" -d2s --timeout 30s "$url" \
                >/dev/null 2>&1 ||
                die "warm-up of $variant failed"
            timeout 60 callgrind_control -z "$pid" >/dev/null 2>&1 || die "callgrind_control -z"
            out=$tmp/wrk-$variant-$round.txt
            timeout $((INSTRUCTION_SECONDS + 60)) wrk -t1 -c"$INSTRUCTION_CONNECTIONS" \
                -d"${INSTRUCTION_SECONDS}s" --timeout 30s "$url" >"$out" 2>&1 || die "wrk failed"
            timeout 60 callgrind_control --dump="$variant-$round" "$pid" >/dev/null 2>&1 ||
                die "callgrind_control --dump"
            requests=$(awk '/requests in/ {print $1}' "$out")
            # shellcheck disable=SC2012 # the newest dump; the names are ours
            file=$(ls -t "$tmp/callgrind-$variant.$pid".* | head -1)
            count=$(awk '/^(totals|summary):/ {print $2; exit}' "$file")
            if [ -z "$requests" ] || [ "$requests" = 0 ] || [ -z "$count" ]; then
                die "no counts for $variant"
            fi
            non2xx=$(awk '/Non-2xx/ {print $NF}' "$out")
            instruction_rows+=("$variant $round $requests $count ${non2xx:-0}")
            log "$variant round $round: $count instructions for $requests requests"
        done
    done
    redis_l2=$(metric "${port_of[redis]}" kore_gateway_l2_hits_total)
    redis_up=$(metric "${port_of[redis]}" kore_gateway_redis_up)
fi

# ---------------------------------------------------------------------------------------------
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
echo "Run of \`bench/replicas.sh\` finished $(date -u +%Y-%m-%dT%H:%M:%SZ), commit \`$commit\`$(git -C "$root" diff --quiet HEAD -- src include || echo ' (uncommitted changes to src/include)'), binaries from $build_dir (kore-gateway built $built_at); $(nproc) CPUs ($cpu), load average before $load_before, after $(cut -d' ' -f1-3 /proc/loadavg). GATEWAY_THREADS=$THREADS, GATEWAY_LOG_LEVEL=warn, config/gateway.json; redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/'); every process on 127.0.0.1."
echo
echo "| configuration | replicas | Redis | cold GETs ($KEYS keys × $PER_KEY, at once, status × X-Cache) | catalog requests at the fake | per key | gateways' upstream_requests_total{catalog} | L2 hits | lock waits | deal forwards | token requests at the fake | gateways' token_requests_total |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "Sequential GETs on one keep-alive connection (curl time_total, ms), $LATENCY_KEYS distinct keys per kind, the kinds interleaved key by key: miss = upstream fetch; l1 = the same keys again on the same replica; l2 = keys filled through replica 1, asked of replica 3 (cold L1, hot L2)."
echo
echo "| configuration | kind | p50 ms | p99 ms | status × X-Cache |"
echo "|---|---|---|---|---|"
printf '%s\n' "${latency_rows[@]}"
if [ "$instructions" = 1 ]; then
    echo
    echo "Instructions per L1 hit (GET /catalog/products, hot), callgrind, wrk -t1 -c$INSTRUCTION_CONNECTIONS -d${INSTRUCTION_SECONDS}s per round; the Redis gateway's L2 hits during it: $redis_l2, redis_up $redis_up."
    echo
    echo "| variant | round | requests | instructions | per request | non-2xx |"
    echo "|---|---|---|---|---|---|"
    printf '%s\n' "${instruction_rows[@]}" |
        awk '{printf "| %s | %s | %s | %s | %.0f | %s |\n", $1, $2, $3, $4, $4 / $3, $5
              per[$1] += $4; req[$1] += $3 }
             END { printf "\nAll rounds: plain %.0f, redis %.0f per hit: %+.1f %% with Redis configured.\n",
                   per["plain"] / req["plain"], per["redis"] / req["redis"],
                   100 * (per["redis"] / req["redis"]) / (per["plain"] / req["plain"]) - 100 }'
fi
