#!/usr/bin/env bash
# Load benchmark of kore-gateway against nginx (proxy_cache) on loopback, with wrk.
#
#   bench/run.sh [--quick] [--no-results] [--no-build] [--profile] [--allocations] [--instructions]
#
# Starts, in a temporary directory: a CA and an origin certificate made with openssl; an HTTPS
# origin (nginx: token endpoint, KORE- and Catalog-shaped APIs); the gateway (the profile-guided
# release build of scripts/build-pgo.sh, in build-bench) pointed at it; nginx configured as the
# equivalent caching proxy, plus nginx serving the products bytes as a static file. Then,
# alternating contenders round by round:
#   S0  static file               GET /catalog/products   (nginx, the limit of a hit)
#   S1  catalog cache hit          GET /catalog/products   (gateway vs nginx proxy_cache)
#   S2  uncached deal forward      GET /deals/{id}         (gateway vs nginx, TLS keep-alive)
# at 64 and 256 connections. Reports req/s, p50, p99, peak RSS, ratios, token requests and
# upstream connections opened, into bench/last-run.md and (unless --no-results) into the
# generated section of bench/RESULTS.md.
#
# --profile: instead of the rounds, samples the gateway with perf (cpu-clock, DWARF call graphs)
# during one S1 and one S2 run at PROFILE_CONNECTIONS (64) connections; reports go to
# bench/profile-S1-c64.txt and bench/profile-S2-c64.txt. PROFILE_CONTENDERS="gateway nginx"
# samples the nginx proxy (master and workers) the same way too, into bench/profile-S*-c64-nginx.txt.
# --allocations: instead of the rounds, counts the gateway's allocations (perf uprobes on the
# allocator it links: mimalloc's or glibc's) during one wrk run per scenario at
# PROFILE_CONNECTIONS connections, and logs the count per request. The probe slows every allocation down: the req/s of that run mean
# nothing, the count per request is exact.
# --instructions: runs the gateway (and BASELINE) and the nginx proxy under valgrind's callgrind
# instead, and counts the user-space instructions each executes per request during one short wrk
# run per scenario (INSTRUCTION_CONNECTIONS, 8). Unlike req/s and CPU time, the count does not
# move with the machine's speed or with steal time, so it settles an A/B within ~1 %. Kernel
# work (system calls, TCP, copies) is not in it.
#
# Every process started is recorded and stopped by PID on exit; every load run is bounded by
# wrk's -d and by timeout(1). Tunables (environment): ROUNDS (3), DURATION (10, seconds),
# WARMUP (2), CONNECTIONS ("64 256"), THREADS (2: gateway I/O threads = nginx workers = wrk
# threads), ORIGIN_WORKERS (1), BUILD_DIR (build-bench), KEEP_TMP (1 keeps the temp dir),
# PIN (1 runs wrk on CPU 0 and every server, the origin included, on the other CPUs: latency
# without the load generator competing for the servers' cores), POOL (256: nginx's upstream
# keepalive, which is per worker, and the gateway's upstream_pool_size divided by THREADS, as
# the gateway splits its pool between its threads: both keep up to POOL connections per core,
# and neither re-handshakes during a run; the shipped config/gateway.json keeps 64 in all, to
# protect upstreams), PACE_MS (unset: each connection sends its next request as soon as the
# last is answered; N: it waits N ms first, through a wrk script, so that every contender gets
# the same offered load, below the slowest one's capacity, and the p99s compare the servers
# rather than how each shares the cores with wrk at saturation), AFFINITY (1: each gateway I/O
# thread and each nginx worker on a CPU of its own, GATEWAY_CPU_AFFINITY=1 and nginx's
# worker_cpu_affinity auto; 0: wherever the kernel puts them).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

quick=0 update_results=1 build=1 profile=0 allocations=0 instructions=0
for arg in "$@"; do
    case "$arg" in
    --quick) quick=1 ;;
    --no-results) update_results=0 ;;
    --no-build) build=0 ;;
    --profile) profile=1 ;;
    --allocations) allocations=1 ;;
    --instructions) instructions=1 ;;
    -h | --help) sed -n '2,/^set /{/^#/p}' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument '$arg'" >&2; exit 2 ;;
    esac
done

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
CONNECTIONS=${CONNECTIONS:-"64 256"}
THREADS=${THREADS:-2}
ORIGIN_WORKERS=${ORIGIN_WORKERS:-1}
POOL=${POOL:-256}
AFFINITY=${AFFINITY:-1}
BUILD_DIR=${BUILD_DIR:-build-bench}
SCENARIOS=${SCENARIOS:-"S1 S2"}
PROFILE_CONNECTIONS=${PROFILE_CONNECTIONS:-64}
# BASELINE=path/to/kore-gateway adds that build as a fourth contender ("baseline", same
# settings, its own port and token), for before/after figures of an optimisation.
baseline_bin=${BASELINE:+$(realpath "$BASELINE")}
baseline_contender=${BASELINE:+baseline}
if [ "$quick" = 1 ]; then
    ROUNDS=1 DURATION=3 WARMUP=1
    update_results=0
fi
DEAL_ID=1234abcd-1234-abcd-123456789abc

# ---------------------------------------------------------------------------------------------
# Processes: every one is recorded and stopped by PID.
pids=()
tmp=""
cleanup() {
    local rc=$?
    set +e
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill -TERM "${pids[$i]}" 2>/dev/null
    done
    for pid in "${pids[@]}"; do
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    if [ -n "$tmp" ] && [ "${KEEP_TMP:-0}" != 1 ]; then
        rm -rf "$tmp"
    elif [ -n "$tmp" ]; then
        echo "run.sh: kept $tmp" >&2
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '[run.sh %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------
# Tools and build.
./scripts/bootstrap.sh bench
for tool in nginx wrk openssl curl timeout awk; do
    command -v "$tool" >/dev/null || die "$tool is missing"
done
if [ "$build" = 1 ]; then
    log "building $BUILD_DIR (Release, profile-guided: scripts/build-pgo.sh)"
    # What the image ships: the release build laid out by a training profile.
    ./scripts/build-pgo.sh "$BUILD_DIR" -DKORE_BUILD_BENCH=ON -DKORE_BUILD_TESTS=OFF >&2
fi
gateway_bin=$(realpath "$BUILD_DIR/kore-gateway")
[ -x "$gateway_bin" ] || die "$gateway_bin not built"
if [ "$(sed -n 's/^KORE_PGO:STRING=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null)" = use ]; then
    gateway_build="the profile-guided release build (scripts/build-pgo.sh)"
else
    gateway_build="a build of $BUILD_DIR without a profile"
fi

tmp=$(mktemp -d /tmp/kore-bench.XXXXXX)
chmod 755 "$tmp"
mkdir -p "$tmp/pki" "$tmp/data" "$tmp/origin-temp" "$tmp/proxy-temp" "$tmp/proxy-cache" "$tmp/wrk"
# In --instructions mode the contenders measured run under callgrind (the origin never does),
# collecting nothing until the measurement switches it on.
under=()
if [ "$instructions" = 1 ]; then
    command -v callgrind_control >/dev/null || die "valgrind is missing"
    mkdir -p "$tmp/callgrind"
    under=(valgrind --tool=callgrind --instr-atstart=no "--callgrind-out-file=$tmp/callgrind/%p")
fi

# Free loopback ports below the kernel's ephemeral range (so that no client socket holds one),
# not listened on and not in use in any state.
ephemeral_low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
free_port() {
    local p
    for _ in $(seq 100); do
        p=$((10000 + RANDOM % (ephemeral_low - 10000)))
        if command -v ss >/dev/null && [ -n "$(ss -Htan "( sport = :$p or dport = :$p )")" ]; then
            continue
        fi
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return
        fi
    done
    die "no free port"
}
AUTH_PORT=$(free_port) KORE_PORT=$(free_port) CATALOG_PORT=$(free_port)
PROXY_PORT=$(free_port) STATIC_PORT=$(free_port) GATEWAY_PORT=$(free_port) BASELINE_PORT=$(free_port)
ports="$AUTH_PORT $KORE_PORT $CATALOG_PORT $PROXY_PORT $STATIC_PORT $GATEWAY_PORT $BASELINE_PORT"
[ "$(tr ' ' '\n' <<<"$ports" | sort -u | wc -l)" = 7 ] || die "port collision, run again"

# ---------------------------------------------------------------------------------------------
# PKI: a CA and an origin certificate for localhost and 127.0.0.1.
log "making the CA and the origin certificate"
(
    cd "$tmp/pki"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -subj "/CN=kore-bench CA" -keyout ca.key -out ca.crt \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
        2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
        -keyout origin.key -out origin.csr 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >ext.cnf
    openssl x509 -req -in origin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
        -extfile ext.cnf -out origin.crt 2>/dev/null
    chmod 644 ca.crt origin.crt
)
bench/make_data.sh "$tmp/data"
products_bytes=$(wc -c <"$tmp/data/products.json")
deal_bytes=$(wc -c <"$tmp/data/deal.json")

# ---------------------------------------------------------------------------------------------
# nginx: origin and proxy.
user_line=""
if [ "$(id -u)" = 0 ]; then
    # Workers drop to nobody; they write only the proxy cache and temp directories.
    user_line="user nobody nogroup;"
    chown -R nobody:nogroup "$tmp/proxy-cache" "$tmp/proxy-temp" "$tmp/origin-temp"
fi
affinity_line=""
[ "$AFFINITY" = 1 ] && affinity_line="worker_cpu_affinity auto;"
render() {
    sed -e "s|@TMP@|$tmp|g" -e "s|@USER_LINE@|$user_line|" -e "s|@AFFINITY_LINE@|$affinity_line|" \
        -e "s|@ORIGIN_WORKERS@|$ORIGIN_WORKERS|" -e "s|@PROXY_WORKERS@|$THREADS|" \
        -e "s|@AUTH_PORT@|$AUTH_PORT|g" -e "s|@KORE_PORT@|$KORE_PORT|g" \
        -e "s|@CATALOG_PORT@|$CATALOG_PORT|g" -e "s|@PROXY_PORT@|$PROXY_PORT|g" \
        -e "s|@STATIC_PORT@|$STATIC_PORT|g" -e "s|@POOL@|$POOL|g" "$1" >"$2"
}
render bench/nginx/origin.conf.in "$tmp/origin.conf"
render bench/nginx/proxy.conf.in "$tmp/proxy.conf"
if [ "$instructions" = 1 ]; then
    # callgrind_control reaches no process valgrind forked: nginx does all its work in one
    # process here (the same work per request as a worker's; no cache manager or loader).
    sed -i 's/^worker_processes .*/master_process off;/' "$tmp/proxy.conf"
fi
nginx -t -q -p "$tmp" -c "$tmp/origin.conf" -e "$tmp/origin-error.log" ||
    die "origin config rejected"
nginx -t -q -p "$tmp" -c "$tmp/proxy.conf" -e "$tmp/proxy-error.log" || die "proxy config rejected"

wait_for() { # URL [curl args]: bounded wait for a 200
    local url=$1
    shift
    for _ in $(seq 100); do
        if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$@" "$url")" = 200 ]; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

log "starting the origin (ports auth $AUTH_PORT, kore $KORE_PORT, catalog $CATALOG_PORT)"
nginx -p "$tmp" -c "$tmp/origin.conf" -e "$tmp/origin-error.log" &
origin_pid=$!
pids+=("$origin_pid")
wait_for "https://localhost:$CATALOG_PORT/api/v1/products" --cacert "$tmp/pki/ca.crt" \
    -H "X-Api-Key: bench-catalog-key" ||
    die "origin did not start: $(tail -5 "$tmp/origin-error.log")"

log "starting nginx as the caching proxy (port $PROXY_PORT, static $STATIC_PORT)"
"${under[@]}" nginx -p "$tmp" -c "$tmp/proxy.conf" -e "$tmp/proxy-error.log" &
proxy_pid=$!
pids+=("$proxy_pid")

# The shipped configuration with the run's pool: POOL connections per I/O thread, as nginx's
# keepalive POOL is per worker.
gateway_pool=$((POOL * THREADS))
sed "s/\"upstream_pool_size\": [0-9]*/\"upstream_pool_size\": $gateway_pool/" \
    config/gateway.json >"$tmp/gateway.json"
grep -q "\"upstream_pool_size\": $gateway_pool," "$tmp/gateway.json" ||
    die "upstream_pool_size not set in $tmp/gateway.json"
start_gateway() { # BINARY PORT LOG: prints the PID
    (
        export GATEWAY_LISTEN_ADDRESS=127.0.0.1 GATEWAY_PORT=$2 GATEWAY_THREADS=$THREADS
        export GATEWAY_CPU_AFFINITY=$AFFINITY
        export GATEWAY_LOG_LEVEL=warn GATEWAY_CA_FILE=$tmp/pki/ca.crt
        export KORE_API_URL=https://127.0.0.1:$KORE_PORT KORE_API_KEY=bench-kore-key
        export KORE_AUTH_URL=https://127.0.0.1:$AUTH_PORT/connect/token
        export KORE_CLIENT_ID=bench-client KORE_CLIENT_SECRET=bench-secret
        export CATALOG_API_URL=https://127.0.0.1:$CATALOG_PORT CATALOG_API_KEY=bench-catalog-key
        # The Catalog takes the API key only (no CATALOG_AUTH_URL): the run's one token is KORE's.
        exec "${under[@]}" "$1" --config "$tmp/gateway.json"
    ) >/dev/null 2>"$3" &
    echo $!
}
log "starting kore-gateway (port $GATEWAY_PORT)"
gateway_pid=$(start_gateway "$gateway_bin" "$GATEWAY_PORT" "$tmp/gateway.log")
pids+=("$gateway_pid")
gateways=1
if [ -n "$baseline_bin" ]; then
    log "starting the baseline kore-gateway $baseline_bin (port $BASELINE_PORT)"
    baseline_pid=$(start_gateway "$baseline_bin" "$BASELINE_PORT" "$tmp/baseline.log")
    pids+=("$baseline_pid")
    gateways=2
    wait_for "http://127.0.0.1:$BASELINE_PORT/readyz" || die "baseline gateway not ready"
fi

wait_for "http://127.0.0.1:$GATEWAY_PORT/readyz" || die "gateway not ready: $(tail -5 "$tmp/gateway.log")"
wait_for "http://127.0.0.1:$PROXY_PORT/catalog/products" || die "proxy nginx did not start"
wait_for "http://127.0.0.1:$STATIC_PORT/catalog/products" || die "static nginx did not start"

# Each contender must answer the same bytes before it is measured.
check_body() { # NAME URL EXPECTED_FILE
    local got
    got=$(curl -s --max-time 5 "$2" | cmp - "$3" && echo same || echo different)
    [ "$got" = same ] || die "$1: $2 does not answer the bytes of $3"
}
check_body gateway "http://127.0.0.1:$GATEWAY_PORT/catalog/products" "$tmp/data/products.json"
check_body nginx "http://127.0.0.1:$PROXY_PORT/catalog/products" "$tmp/data/products.json"
check_body static "http://127.0.0.1:$STATIC_PORT/catalog/products" "$tmp/data/products.json"
check_body gateway "http://127.0.0.1:$GATEWAY_PORT/deals/$DEAL_ID" "$tmp/data/deal.json"
check_body nginx "http://127.0.0.1:$PROXY_PORT/deals/$DEAL_ID" "$tmp/data/deal.json"
gw_xcache=$(curl -s -o /dev/null -D - "http://127.0.0.1:$GATEWAY_PORT/catalog/products" |
    tr -d '\r' | awk -F': ' 'tolower($1)=="x-cache"{print $2}')
ng_xcache=$(curl -s -o /dev/null -D - "http://127.0.0.1:$PROXY_PORT/catalog/products" |
    tr -d '\r' | awk -F': ' 'tolower($1)=="x-cache"{print $2}')
[ "$gw_xcache" = HIT ] && [ "$ng_xcache" = HIT ] ||
    die "S1 is not a cache hit (gateway X-Cache: $gw_xcache, nginx X-Cache: $ng_xcache)"

# ---------------------------------------------------------------------------------------------
# Measurement helpers.

# Process ids making up a contender: the gateway process, or an nginx master and its workers.
procs_of() {
    case "$1" in
    gateway) echo "$gateway_pid" ;;
    baseline) echo "$baseline_pid" ;;
    nginx | static) echo "$proxy_pid" $(pgrep -P "$proxy_pid" || true) ;;
    esac
}
# Sum of Rss and of Pss (KiB) over the given pids.
mem_now() {
    local rss=0 pss=0 r p
    for pid in "$@"; do
        read -r r p < <(awk '/^Rss:/{r=$2} /^Pss:/{p=$2} END{print r+0, p+0}' \
            "/proc/$pid/smaps_rollup" 2>/dev/null || echo "0 0")
        rss=$((rss + r)) pss=$((pss + p))
    done
    echo "$rss $pss"
}
# Samples memory every 0.2 s while pid $1 lives (at most $2 seconds); prints the peaks.
sample_mem() {
    local watched=$1 bound=$2 peak_rss=0 peak_pss=0 r p
    shift 2
    local end=$((SECONDS + bound))
    while kill -0 "$watched" 2>/dev/null && [ "$SECONDS" -lt "$end" ]; do
        read -r r p < <(mem_now "$@")
        [ "$r" -gt "$peak_rss" ] && peak_rss=$r
        [ "$p" -gt "$peak_pss" ] && peak_pss=$p
        sleep 0.2
    done
    echo "$peak_rss $peak_pss"
}
# Converts a wrk duration (123.45us, 1.20ms, 2.00s, 1.00m) to milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
        printf "%.3f", n }'
}
# CPU time (clock ticks, user + system) used so far by the given pids.
cpu_ticks() { # PID...: "user+system system" clock ticks of the processes together
    local total=0 system=0 t
    for pid in "$@"; do
        read -r t s < <(awk '{print $14 + $15, $15}' "/proc/$pid/stat" 2>/dev/null || echo 0 0)
        total=$((total + t)) system=$((system + s))
    done
    echo "$total $system"
}
tick_hz=$(getconf CLK_TCK)
api_connections() { wc -l <"$tmp/origin-api.log" 2>/dev/null || echo 0; }
gateway_metric() { # NAME LABELS
    local m=$1
    [ -n "$2" ] && m="$1{$2}"
    curl -s --max-time 5 "http://127.0.0.1:$GATEWAY_PORT/metrics" |
        awk -v m="$m" '$1 == m { printf "%d", $2; found = 1 } END { if (!found) print 0 }'
}

raw=$tmp/raw.tsv # scenario conns contender round rps p50 p99 rss pss non2xx errors upstream_conns
: >"$raw"

url_of() { # CONTENDER SCENARIO
    local port path
    case "$1" in
    gateway) port=$GATEWAY_PORT ;;
    baseline) port=$BASELINE_PORT ;;
    nginx) port=$PROXY_PORT ;;
    static) port=$STATIC_PORT ;;
    esac
    case "$2" in
    S0 | S1) path=/catalog/products ;;
    S2) path=/deals/$DEAL_ID ;;
    esac
    echo "http://127.0.0.1:$port$path"
}

# PACE_MS: a wrk script that holds each connection's next request back that long.
pace_wrk=()
if [ -n "${PACE_MS:-}" ]; then
    printf 'function delay()\n    return %d\nend\n' "$PACE_MS" >"$tmp/pace.lua"
    pace_wrk=(-s "$tmp/pace.lua")
fi

# One bounded wrk run; appends a row to $raw.
measure() { # SCENARIO CONNS CONTENDER ROUND
    local scenario=$1 conns=$2 contender=$3 round=$4 out=$tmp/wrk/$1-$2-$3-$4.txt
    # The static file is measured within S1's rounds but is scenario S0.
    [ "$contender" = static ] && scenario=S0
    local before after wrk_pid sampler_out=$tmp/wrk/$1-$2-$3-$4.mem
    before=$(api_connections)
    local cpu_before sys_before
    read -r cpu_before sys_before < <(cpu_ticks $(procs_of "$contender"))
    timeout $((DURATION + 30)) "${pin_wrk[@]}" wrk -t"$THREADS" -c"$conns" -d"${DURATION}s" --timeout 5s --latency \
        "${pace_wrk[@]}" "$(url_of "$contender" "$scenario")" >"$out" 2>&1 &
    wrk_pid=$!
    sample_mem "$wrk_pid" $((DURATION + 30)) $(procs_of "$contender") >"$sampler_out" &
    local sampler_pid=$!
    pids+=("$wrk_pid" "$sampler_pid")
    wait "$wrk_pid" || die "wrk failed: $(cat "$out")"
    wait "$sampler_pid" || true
    pids=("${pids[@]:0:${#pids[@]}-2}")
    after=$(api_connections)
    local cpu_after sys_after requests cpu_us sys_us
    read -r cpu_after sys_after < <(cpu_ticks $(procs_of "$contender"))
    requests=$(awk '/requests in/ {print $1}' "$out")
    # CPU time the contender spent per request: less sensitive to other load than req/s. The
    # system part is the kernel's work on its behalf (system calls, TCP on both sockets).
    per_request() {
        awk -v t="$1" -v hz="$tick_hz" -v n="${requests:-0}" \
            'BEGIN { printf "%.1f", (n > 0 ? t * 1e6 / hz / n : 0) }'
    }
    cpu_us=$(per_request $((cpu_after - cpu_before)))
    sys_us=$(per_request $((sys_after - sys_before)))
    local rps p50 p99 non2xx errors rss pss
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
    p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
    p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")
    errors=$(awk '/Socket errors:/ {gsub(/,/, ""); print $4 + $6 + $8 + $10}' "$out")
    read -r rss pss <"$sampler_out"
    [ -n "$rps" ] || die "no result from wrk: $(cat "$out")"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$scenario" "$conns" \
        "$contender" "$round" "$rps" "$p50" "$p99" "$rss" "$pss" "${non2xx:-0}" "${errors:-0}" \
        $((after - before)) "$cpu_us" "$sys_us" >>"$raw"
    log "$scenario c=$conns $contender round $round: $rps req/s, p50 ${p50} ms, p99 ${p99} ms," \
        "CPU ${cpu_us} us/request (system ${sys_us})," \
        "rss $((rss / 1024)) MiB, non-2xx ${non2xx:-0}, socket errors ${errors:-0}," \
        "upstream connections opened $((after - before))"
}

# PIN=1: wrk on CPU 0, every server process (all threads) on the others.
pin_wrk=()
if [ "${PIN:-0}" = 1 ]; then
    cpus=$(nproc)
    [ "$cpus" -ge 2 ] || die "PIN=1 needs at least 2 CPUs"
    server_cpus=1-$((cpus - 1))
    for pid in "$origin_pid" $(pgrep -P "$origin_pid" || true) $(procs_of nginx) \
        "$gateway_pid" ${baseline_pid:+"$baseline_pid"}; do
        taskset -a -p -c "$server_cpus" "$pid" >/dev/null || die "taskset failed for $pid"
    done
    pin_wrk=(taskset -c 0)
    log "pinned: wrk on CPU 0, the servers on CPUs $server_cpus"
fi

warmup() { # SCENARIO CONNS CONTENDER
    timeout $((WARMUP + 30)) "${pin_wrk[@]}" wrk -t"$THREADS" -c"$2" -d"${WARMUP}s" --timeout 5s \
        "$(url_of "$3" "$1")" >/dev/null 2>&1 || die "warm-up of $3 failed"
}

# ---------------------------------------------------------------------------------------------
# Profile mode: perf on the gateway under S1 and S2, then stop.
if [ "$profile" = 1 ]; then
    command -v perf >/dev/null || die "perf is missing"
    set +o pipefail # head closes the pipes of perf report early
    for scenario in $SCENARIOS; do
        for contender in ${PROFILE_CONTENDERS:-gateway}; do
            report=bench/profile-$scenario-c$PROFILE_CONNECTIONS.txt
            [ "$contender" = gateway ] || report=${report%.txt}-$contender.txt
            data=$tmp/perf-$scenario-$contender.data
            warmup "$scenario" "$PROFILE_CONNECTIONS" "$contender"
            log "profiling $contender under $scenario ($PROFILE_CONNECTIONS connections, ${DURATION} s)"
            timeout $((DURATION + 30)) "${pin_wrk[@]}" wrk -t"$THREADS" -c"$PROFILE_CONNECTIONS" -d"$((DURATION + 2))s" --timeout 5s \
                --latency "$(url_of "$contender" "$scenario")" >"$tmp/wrk/profile-$scenario.txt" 2>&1 &
            wrk_pid=$!
            pids+=("$wrk_pid")
            sleep 1
            timeout $((DURATION + 30)) perf record -q -e cpu-clock -F 499 --call-graph dwarf,16384 \
                -p "$(procs_of "$contender" | tr ' ' ',')" -o "$data" -- sleep "$DURATION" 2>/dev/null ||
                die "perf record failed"
            wait "$wrk_pid" || true
            {
                echo "# perf profile of $contender under $scenario: wrk -t$THREADS -c$PROFILE_CONNECTIONS, GATEWAY_THREADS=$THREADS,"
                echo "# cpu-clock sampling at 499 Hz for ${DURATION} s, commit $(git rev-parse --short HEAD),"
                echo "# load average $(cut -d' ' -f1-3 /proc/loadavg). wrk result during the profile:"
                grep -E 'Requests/sec|Latency  ' "$tmp/wrk/profile-$scenario.txt" | sed 's/^/#   /'
                echo
                echo "## Self cost by shared object"
                perf report -i "$data" --no-children --sort dso --stdio -g none \
                    2>/dev/null | grep -vE '^#|^$' | head -12
                echo
                echo "## Self cost by symbol (top 40)"
                perf report -i "$data" --no-children --sort sym --stdio \
                    -g none 2>/dev/null | grep -vE '^#|^$' | head -40 | cut -c1-200
                echo
                echo "## Inclusive cost by symbol (top 60, call graphs from DWARF unwinding)"
                perf report -i "$data" --children --sort sym --stdio -g none \
                    2>/dev/null | grep -vE '^#|^$' | head -60 | cut -c1-200
            } >"$report"
            log "wrote $report"
        done
    done
    exit 0
fi

# ---------------------------------------------------------------------------------------------
# Instruction mode: user-space instructions per request of each contender (under callgrind).
if [ "$instructions" = 1 ]; then
    measured="gateway $baseline_contender nginx"
    connections=${INSTRUCTION_CONNECTIONS:-8}
    for contender in $measured; do
        # shellcheck disable=SC2046 # one argument per pid
        timeout 60 callgrind_control -i on $(procs_of "$contender") >/dev/null ||
            die "callgrind_control failed for $contender"
    done
    # The instructions of the newest dump of each given pid, summed.
    dumped_instructions() {
        local pid file total=0
        for pid in "$@"; do
            file=$(ls -t "$tmp/callgrind/$pid".* 2>/dev/null | head -1)
            [ -n "$file" ] || continue
            total=$((total + $(awk '/^(totals|summary):/ {print $2; exit}' "$file")))
        done
        echo "$total"
    }
    for scenario in $SCENARIOS; do
        for contender in $measured; do
            url=$(url_of "$contender" "$scenario")
            procs=$(procs_of "$contender")
            timeout 60 wrk -t1 -c"$connections" -d2s --timeout 30s "$url" >/dev/null 2>&1 ||
                die "warm-up of $contender failed"
            # shellcheck disable=SC2086
            timeout 60 callgrind_control -z $procs >/dev/null || die "callgrind_control -z failed"
            timeout $((DURATION + 60)) wrk -t1 -c"$connections" -d"${DURATION}s" --timeout 30s \
                "$url" >"$tmp/wrk/instructions-$scenario-$contender.txt" 2>&1 ||
                die "wrk against $contender failed"
            # shellcheck disable=SC2086
            timeout 60 callgrind_control --dump="$scenario-$contender" $procs >/dev/null ||
                die "callgrind_control --dump failed"
            requests=$(awk '/requests in/ {print $1}' "$tmp/wrk/instructions-$scenario-$contender.txt")
            # shellcheck disable=SC2086
            count=$(dumped_instructions $procs)
            [ -n "$requests" ] && [ "$requests" -gt 0 ] && [ "$count" -gt 0 ] ||
                die "no counts for $contender under $scenario"
            log "$contender under $scenario ($connections connections, ${DURATION} s, commit" \
                "$(git rev-parse --short HEAD)): $count instructions for $requests requests:" \
                "$(awk -v i="$count" -v r="$requests" 'BEGIN {printf "%.0f", i / r}') per request"
        done
    done
    exit 0
fi

# ---------------------------------------------------------------------------------------------
# Allocation mode: allocations per request of the gateway under S1 and S2, then stop. A uprobe
# on each entry point of the allocator the gateway links: glibc's malloc (operator new calls
# it), or mimalloc's malloc and its operator new (mi_new: it does not go through malloc).
if [ "$allocations" = 1 ]; then
    command -v perf >/dev/null || die "perf is missing"
    allocator=$(ldd "$gateway_bin" | awk '/libmimalloc\.so/ {print $3}')
    entry_points=(malloc mi_new)
    if [ -z "$allocator" ]; then
        allocator=$(ldd "$gateway_bin" | awk '/libc\.so/ {print $3}')
        entry_points=(malloc)
    fi
    [ -n "$allocator" ] || die "cannot find the gateway's allocator"
    group=probe_$(basename "$allocator" | cut -d. -f1)
    events=$(printf "$group:%s," "${entry_points[@]}")
    events=${events%,}
    delete_probes() { perf probe -q --del "$group:*" 2>/dev/null || true; }
    delete_probes
    for entry in "${entry_points[@]}"; do
        perf probe -q -x "$allocator" --add "$entry" || die "perf probe on $entry failed (uprobes?)"
    done
    trap 'delete_probes; cleanup' EXIT
    log "counting calls of $events ($allocator)"
    for scenario in $SCENARIOS; do
        warmup "$scenario" "$PROFILE_CONNECTIONS" gateway
        # perf counts the gateway's allocations for exactly as long as wrk runs.
        timeout $((DURATION + 30)) perf stat -x, -e "$events" -p "$gateway_pid" \
            -o "$tmp/allocations-$scenario.csv" -- wrk -t"$THREADS" -c"$PROFILE_CONNECTIONS" \
            -d"${DURATION}s" --timeout 5s "$(url_of gateway "$scenario")" \
            >"$tmp/wrk/allocations-$scenario.txt" 2>&1 || die "perf stat or wrk failed"
        requests=$(awk '/requests in/ {print $1}' "$tmp/wrk/allocations-$scenario.txt")
        mallocs=$(awk -F, -v g="$group:" 'index($3, g) == 1 {n += $1; found = 1}
            END {if (found) print n}' "$tmp/allocations-$scenario.csv")
        [ -n "$requests" ] && [ "$requests" -gt 0 ] && [ -n "$mallocs" ] ||
            die "no counts for $scenario"
        log "gateway under $scenario ($PROFILE_CONNECTIONS connections, ${DURATION} s, commit" \
            "$(git rev-parse --short HEAD)): $mallocs allocations for $requests requests:" \
            "$(awk -v m="$mallocs" -v r="$requests" 'BEGIN {printf "%.1f", m / r}') per request"
    done
    exit 0
fi

# ---------------------------------------------------------------------------------------------
# The runs. Within a round the contenders alternate, so drift of the machine hits all of them.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
kore_opened_before=$(gateway_metric kore_gateway_upstream_connections_opened_total 'upstream="kore"')
run_scenario() { # SCENARIO CONTENDERS...
    local scenario=$1
    shift
    for conns in $CONNECTIONS; do
        for contender in "$@"; do
            warmup "$scenario" "$conns" "$contender"
        done
        for round in $(seq "$ROUNDS"); do
            for contender in "$@"; do
                measure "$scenario" "$conns" "$contender" "$round"
            done
        done
    done
}
log "S1 catalog cache hit, then S0 static file"
[[ " $SCENARIOS " == *" S1 "* ]] && run_scenario S1 gateway $baseline_contender nginx static
log "S2 uncached deal forward"
kore_opened_s2_before=$(gateway_metric kore_gateway_upstream_connections_opened_total 'upstream="kore"')
[[ " $SCENARIOS " == *" S2 "* ]] && run_scenario S2 gateway $baseline_contender nginx
kore_opened_after=$(gateway_metric kore_gateway_upstream_connections_opened_total 'upstream="kore"')
catalog_opened=$(gateway_metric kore_gateway_upstream_connections_opened_total 'upstream="catalog"')
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
gateway_hwm_kib=$(awk '/^VmHWM:/ {print $2}' "/proc/$gateway_pid/status")
token_requests=$(grep -c ' /connect/token ' "$tmp/origin-auth.log" || true)
gateway_token_metric=$(gateway_metric kore_gateway_token_requests_total 'upstream="kore"')
cache_bytes=$(gateway_metric kore_gateway_cache_bytes '')
gateway_errors=$(grep -ciE ' (warning|error) ' "$tmp/gateway.log" || true)

# ---------------------------------------------------------------------------------------------
# The report.
micro=""
if [ -x "$BUILD_DIR/hit_path_bench" ] && [ "$quick" = 0 ]; then
    log "micro-benchmark of the hit path"
    micro=$(timeout 120 "$BUILD_DIR/hit_path_bench" --benchmark_min_time=0.5 2>/dev/null |
        grep -E '^(BM_|Benchmark|-)' || true)
fi

report=$tmp/report.md
{
    cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
    echo "Run of \`bench/run.sh\` started $started_at, commit \`$(git rev-parse --short HEAD)\`$(git diff --quiet HEAD -- src include || echo ' (with uncommitted changes to src/include)')."
    echo
    echo "- Machine: $(nproc) CPUs, $cpu, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)."
    echo "- Load average (1/5/15 min) before: $load_before; after: $load_after."
    echo "- wrk -t$THREADS, ${DURATION} s per run after a ${WARMUP} s warm-up per contender, $ROUNDS rounds alternating the contenders, connections: $CONNECTIONS; loopback (127.0.0.1).${pin_wrk[*]:+ PIN=1: wrk on CPU 0, every server on CPUs $server_cpus.}${PACE_MS:+ PACE_MS=$PACE_MS: each connection waits $PACE_MS ms before its next request (the same offered load for every contender).}"
    echo "- gateway: $gateway_build, GATEWAY_THREADS=$THREADS, GATEWAY_CPU_AFFINITY=$AFFINITY, GATEWAY_LOG_LEVEL=warn (no access log), upstream_pool_size $gateway_pool ($POOL per thread), cache budget 64 MiB. nginx $(nginx -v 2>&1 | sed 's|.*/||'): worker_processes $THREADS${affinity_line:+, worker_cpu_affinity auto}, access_log off, proxy_cache + proxy_cache_lock, upstream keepalive $POOL per worker and keepalive_requests 10000000 (no re-handshake during a run), proxy_ssl_verify on. Origin: nginx, worker_processes $ORIGIN_WORKERS, TLS (P-256 certificate from the run's CA)."
    if [ ${#pin_wrk[@]} -gt 0 ]; then
        echo "- The contender and the origin share CPUs $server_cpus, wrk has CPU 0 to itself: the figures are a comparison on one machine, not capacities."
    else
        echo "- wrk, the contender and the origin share the same $(nproc) cores: the figures are a comparison on one machine, not capacities."
    fi
    echo "- Bodies: products $products_bytes B, deal $deal_bytes B. Figures are medians over the rounds (min-max of req/s in brackets). Peak RSS: highest sampled sum of Rss over the contender's processes (nginx: master + workers; Pss in brackets). CPU µs/req: user + system CPU time of the contender's processes during the run divided by the requests wrk completed (the origin's and wrk's CPU are not included); in brackets, the system part of it."
    echo
    echo "| scenario | conns | contender | req/s (min-max) | p50 ms | p99 ms | CPU µs/req (system) | peak RSS MiB | non-2xx | socket errors | origin TCP conns opened during runs |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|"
    awk -F'\t' '
        function median(list,    n, a, i, j, t) {
            n = split(list, a, " ")
            for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        {
            k = $1 SUBSEP $2 SUBSEP $3
            if (!(k in seen)) { seen[k] = 1; order[++n] = k }
            rps[k] = rps[k] " " $5; p50[k] = p50[k] " " $6; p99[k] = p99[k] " " $7
            if ($8 > rss[k]) rss[k] = $8; if ($9 > pss[k]) pss[k] = $9
            if (!(k in lo) || $5 < lo[k]) lo[k] = $5; if ($5 > hi[k]) hi[k] = $5
            bad[k] += $10; err[k] += $11; conns[k] += $12; cpu[k] = cpu[k] " " $13; sys[k] = sys[k] " " $14
        }
        END {
            for (i = 1; i <= n; i++) {
                k = order[i]; split(k, f, SUBSEP)
                mem = sprintf("%.1f", rss[k] / 1024)
                if (f[3] != "gateway") mem = mem sprintf(" (%.1f)", pss[k] / 1024)
                printf "| %s | %s | %s | %.0f (%.0f-%.0f) | %.2f | %.2f | %.1f (%.1f) | %s | %d | %d | %d |\n", f[1], f[2], f[3], median(rps[k]), lo[k], hi[k], median(p50[k]), median(p99[k]), median(cpu[k]), median(sys[k]), mem, bad[k], err[k], conns[k]
                med[k] = median(rps[k]); m99[k] = median(p99[k])
            }
            print ""
            print "| ratio | conns | value | target | holds |"
            print "|---|---|---|---|---|"
            for (i = 1; i <= n; i++) {
                k = order[i]; split(k, f, SUBSEP)
                if (f[3] != "gateway") continue
                ng = f[1] SUBSEP f[2] SUBSEP "nginx"; st = "S0" SUBSEP f[2] SUBSEP "static"
                bl = f[1] SUBSEP f[2] SUBSEP "baseline"
                if (bl in med) printf "| %s gateway/baseline req/s (CPU µs/req) | %s | %.2f (%.1f vs %.1f) | (after/before) | - |\n", f[1], f[2], med[k] / med[bl], median(cpu[k]), median(cpu[bl])
                if (f[1] == "S1") {
                    r = med[k] / med[ng]
                    printf "| S1 gateway/nginx req/s | %s | %.2f | >= 1.2 | %s |\n", f[2], r, (r >= 1.2 ? "yes" : "no")
                    printf "| S1 gateway p99 vs nginx p99 | %s | %.2f ms vs %.2f ms | <= | %s |\n", f[2], m99[k], m99[ng], (m99[k] <= m99[ng] ? "yes" : "no")
                    r = med[k] / med[st]
                    printf "| S1 gateway/static req/s | %s | %.2f | >= 0.9 | %s |\n", f[2], r, (r >= 0.9 ? "yes" : "no")
                } else if (f[1] == "S2") {
                    r = med[k] / med[ng]
                    printf "| S2 gateway/nginx req/s | %s | %.2f | >= 1.0 | %s |\n", f[2], r, (r >= 1.0 ? "yes" : "no")
                }
            }
        }' "$raw"
    echo "| S2 gateway upstream TCP connections opened (metrics, kore) | all | $((kore_opened_after - kore_opened_s2_before)) | <= $gateway_pool (pool) | $([ $((kore_opened_after - kore_opened_s2_before)) -le "$gateway_pool" ] && echo yes || echo no) |"
    echo "| token requests at the origin, whole benchmark ($gateways gateway process(es)) | - | $token_requests | = $gateways | $([ "$token_requests" = "$gateways" ] && echo yes || echo no) |"
    echo "| gateway peak RSS (VmHWM, whole run) | 256 | $((gateway_hwm_kib / 1024)) MiB | <= 64 MiB + 64 MiB cache | $([ "$gateway_hwm_kib" -le $((128 * 1024)) ] && echo yes || echo no) |"
    echo
    echo "Other counts: gateway \`kore_gateway_upstream_connections_opened_total\` kore $kore_opened_before before S1, $kore_opened_s2_before before S2, $kore_opened_after at the end; catalog $catalog_opened at the end (the fill of the cache). Gateway \`kore_gateway_token_requests_total{upstream=\"kore\"}\` = $gateway_token_metric. Gateway cache bytes: $cache_bytes. Warnings or errors in the gateway's log: $gateway_errors."
    echo
    echo "Per-run rows (scenario, connections, contender, round, req/s, p50 ms, p99 ms, peak Rss KiB, peak Pss KiB, non-2xx, socket errors, origin connections opened during the run, contender CPU µs per request, of which system):"
    echo
    echo '```'
    cat "$raw"
    echo '```'
    if [ -n "$micro" ]; then
        echo
        echo "Micro-benchmark \`$BUILD_DIR/hit_path_bench --benchmark_min_time=0.5\` (after the load runs):"
        echo
        echo '```'
        echo "$micro"
        echo '```'
    fi
} >"$report"

cp "$report" bench/last-run.md
cat "$report"
if [ "$update_results" = 1 ]; then
    # Replaces only the generated block of RESULTS.md; every other section is left as it is.
    results=bench/RESULTS.md
    begin='<!-- bench/run.sh: begin generated -->' end='<!-- bench/run.sh: end generated -->'
    if [ -f "$results" ] && grep -qF "$begin" "$results" && grep -qF "$end" "$results"; then
        awk -v b="$begin" -v e="$end" -v f="$report" '
            $0 == b { print; while ((getline line < f) > 0) print line; skip = 1; next }
            $0 == e { skip = 0 }
            !skip' "$results" >"$tmp/RESULTS.md"
        cp "$tmp/RESULTS.md" "$results"
        log "updated the generated section of $results"
    else
        log "$results has no generated section: report left in bench/last-run.md"
    fi
fi
