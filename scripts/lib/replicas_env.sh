# shellcheck shell=bash
# Shared by scripts/replicas.sh and bench/replicas.sh (sourced, not run): the replica topology's
# pieces on loopback — a scratch directory whose processes are stopped by PID on exit, a
# redis-server with a generated password, one set of demo upstreams (kore-demo-upstreams) and
# their counts, and gateways sharing them. Defines functions only; the caller calls
# make_scratch_dir before starting anything.

# make_scratch_dir NAME: $tmp, a private directory (it holds the Redis password and the demo
# secrets) removed on exit after every process recorded in $pids is stopped.
make_scratch_dir() {
    umask 077
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
    pids=()
    trap stop_all EXIT
    trap 'exit 130' INT TERM
}

# stop PID...: SIGTERM (the gateways drain in-flight requests), then SIGKILL for anything still
# there after 15 s; forgets them in $pids, since a PID may be reused later.
stop() {
    local pid i kept=()
    for pid in "$@"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "$@"; do
        for ((i = 0; i < 150; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        [[ " $* " == *" $pid "* ]] || kept+=("$pid")
    done
    pids=("${kept[@]}")
}

# stop_all: the EXIT trap; stops what was started, last first, removes $tmp and keeps the exit
# status.
# shellcheck disable=SC2317 # called by the EXIT trap
stop_all() {
    local rc=$? i reversed=()
    set +e
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        reversed+=("${pids[i]}")
    done
    [ ${#reversed[@]} = 0 ] || stop "${reversed[@]}"
    rm -rf "$tmp"
    exit "$rc"
}

# eventually [--while PID] SECONDS COMMAND...: retries COMMAND every 0.1 s until it succeeds;
# fails once SECONDS have passed, or as soon as process PID has ended.
eventually() {
    local watched="" i
    if [ "$1" = --while ]; then
        watched=$2
        shift 2
    fi
    for ((i = 0; i < $1 * 10; i++)); do
        "${@:2}" && return 0
        if [ -n "$watched" ] && ! kill -0 "$watched" 2>/dev/null; then
            return 1
        fi
        sleep 0.1
    done
    return 1
}

# listening PORT: whether anything listens on TCP PORT.
listening() { [ -n "$(ss -Htln "sport = :$1")" ]; }

# free_port: a port nobody listens on now, below the ephemeral range (so that no outgoing
# connection takes it meanwhile).
free_port() {
    local port
    for _ in $(seq 100); do
        port=$((10000 + RANDOM % 20000))
        if ! listening "$port"; then
            echo "$port"
            return 0
        fi
    done
    echo "no free port" >&2
    return 1
}

# start_redis: a redis-server on 127.0.0.1 with a generated password in $tmp/redis_password and
# nothing persisted; sets $redis_port, $redis_pid and $redis_env (the gateway settings that use
# it). Its log is $tmp/redis.log. If another program takes the port first, it tries another.
start_redis() {
    od -An -N24 -tx1 /dev/urandom | tr -d ' \n' >"$tmp/redis_password"
    mkdir -p "$tmp/redis"
    for _ in 1 2 3 4 5; do
        redis_port=$(free_port) || return 1
        printf 'bind 127.0.0.1\nport %s\nrequirepass %s\nsave ""\nappendonly no\ndir %s\n' \
            "$redis_port" "$(cat "$tmp/redis_password")" "$tmp/redis" >"$tmp/redis/redis.conf"
        redis-server "$tmp/redis/redis.conf" >"$tmp/redis.log" 2>&1 &
        redis_pid=$!
        pids+=("$redis_pid")
        if eventually --while "$redis_pid" 10 redis_answers; then
            # shellcheck disable=SC2034 # read by the callers
            redis_env=(GATEWAY_REDIS_URL="redis://127.0.0.1:$redis_port"
                GATEWAY_REDIS_PASSWORD_FILE="$tmp/redis_password")
            return 0
        fi
        stop "$redis_pid"
    done
    return 1
}

# redis_answers: whether the redis-server of start_redis answers PING.
redis_answers() {
    [ "$(REDISCLI_AUTH=$(cat "$tmp/redis_password") timeout 5 redis-cli -h 127.0.0.1 \
        -p "$redis_port" ping 2>/dev/null)" = PONG ]
}

# start_upstreams BINARY: kore-demo-upstreams (BINARY) writing its files to $tmp/upstreams and
# its log to $tmp/upstreams.log; sets $upstreams_pid and $upstream_env (the gateway settings
# that reach it) once it is ready.
start_upstreams() {
    : >"$tmp/upstreams.log"
    "$1" "$tmp/upstreams" >"$tmp/upstreams.log" 2>&1 &
    upstreams_pid=$!
    pids+=("$upstreams_pid")
    eventually --while "$upstreams_pid" 10 grep -q ready "$tmp/upstreams.log" || return 1
    mapfile -t upstream_env <"$tmp/upstreams/upstreams.env"
}

# upstream_counts: what the demo upstreams received since they started,
# "token=N kore=N catalog=N"; they print it on SIGUSR1.
upstream_counts() {
    local seen
    seen=$(count_lines)
    kill -USR1 "$upstreams_pid"
    eventually 5 more_count_lines "$seen" || return 1
    grep '^requests:' "$tmp/upstreams.log" | tail -n 1 | sed 's/^requests: //'
}

# count_lines: how many count lines the demo upstreams have printed.
count_lines() { grep -c '^requests:' "$tmp/upstreams.log" || true; }

# more_count_lines N: whether the demo upstreams have printed more than N count lines.
more_count_lines() { [ "$(count_lines)" -gt "$1" ]; }

# start_gateway LOG BINARY [VAR=value...] [-- WRAPPER...]: a gateway (BINARY, run by WRAPPER
# when given) with the checkout's config/gateway.json and the demo upstreams, on an ephemeral
# port of 127.0.0.1, logging to LOG; sets $gateway_port and $gateway_pid once /readyz answers.
# The settings come after the defaults, so they may override them. env -i: the caller's own
# KORE_* or GATEWAY_* variables (a *_FILE among them) would otherwise mix with these.
start_gateway() {
    local log=$1 binary=$2 settings=() config
    shift 2
    config=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/config/gateway.json
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        settings+=("$1")
        shift
    done
    [ $# = 0 ] || shift
    env -i PATH="$PATH" "${upstream_env[@]}" GATEWAY_LISTEN_ADDRESS=127.0.0.1 GATEWAY_PORT=0 \
        "${settings[@]}" "$@" "$binary" --config "$config" >"$log" 2>&1 &
    gateway_pid=$!
    pids+=("$gateway_pid")
    # Found by PID rather than in the log, which a quieter GATEWAY_LOG_LEVEL leaves out.
    eventually --while "$gateway_pid" 60 listening_port_of "$gateway_pid" >/dev/null || return 1
    gateway_port=$(listening_port_of "$gateway_pid")
    eventually --while "$gateway_pid" 60 \
        curl -fs --max-time 2 -o /dev/null "http://127.0.0.1:$gateway_port/readyz"
}

# listening_port_of PID: the TCP port process PID listens on; fails while it listens on none.
listening_port_of() {
    ss -Htlnp | awk -v pid="pid=$1," '
        index($0, pid) && !found { sub(/.*:/, "", $4); print $4; found = 1 }
        END { exit !found }'
}

# metric_in TEXT NAME [LABEL_FILTER]: the sum of NAME's samples in a /metrics TEXT whose
# labels match LABEL_FILTER (a regular expression); "-" when the gateway has no such metric.
metric_in() {
    awk -v name="$2" -v filter="${3:-}" '
        index($1, name) == 1 && substr($1, length(name) + 1, 1) ~ /^(\{|)$/ && $1 ~ filter {
            sum += $2; found = 1
        }
        END { print found ? sum : "-" }' <<<"$1"
}
