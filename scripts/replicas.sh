#!/usr/bin/env bash
# Starts docker/docker-compose.yml's replica topology on loopback from Debian packages, in demo
# mode, and shows three replicas behaving as one toward the upstreams (CONTRACT.md section 13):
# a redis-server with a generated password, one set of demo upstreams (kore-demo-upstreams), three
# kore-gateway processes sharing both, and nginx in front on 127.0.0.1:$PORT with a config derived
# from docker/lb/nginx.conf. It sends 30 concurrent cold GETs of one catalog URL and 30 of one
# deal through nginx, then prints what each replica and each fake upstream counted.
#
# Usage: scripts/replicas.sh [--keep]
#   --keep     leave everything running after the demonstration, until Ctrl-C
#   BUILD_DIR  where kore-gateway and kore-demo-upstreams are (default build)
#   PORT       the load balancer's port on 127.0.0.1 (default 8080)
# Exit status: 0 when the upstreams saw 1 catalog request and 1 token request, 1 otherwise, 2 when
# something is missing or does not start. Everything runs as the caller, in a temporary directory
# removed on exit; every process is stopped by its PID.
set -euo pipefail

usage() { sed -n '9,12p' "$0" | sed 's/^# \{0,1\}//'; }
keep=0
for arg in "$@"; do
    case "$arg" in
        --keep) keep=1 ;;
        -h | --help) usage && exit 0 ;;
        *) usage >&2 && exit 2 ;;
    esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-build}
[[ "$build_dir" = /* ]] || build_dir=$root/$build_dir
port=${PORT:-8080}
replicas=3
requests=30
catalog_path=/catalog/products
deal_path=/deals/1234abcd-1234-abcd-123456789abc

die() {
    echo "replicas.sh: $*" >&2
    exit 2
}

for tool in redis-server redis-cli nginx curl ss; do
    command -v "$tool" >/dev/null ||
        die "'$tool' not found: scripts/bootstrap.sh ci bench installs redis-server and nginx"
done
for binary in kore-gateway kore-demo-upstreams; do
    [ -x "$build_dir/$binary" ] ||
        die "$build_dir/$binary not found: build it first (./scripts/build.sh builds both)"
done
listening() { [ -n "$(ss -Htln "sport = :$1")" ]; }
listening "$port" && die "127.0.0.1:$port is in use: choose another with PORT=..."

# Private files only: the directory holds the Redis password and the demo secrets.
umask 077
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kore-replicas.XXXXXX")
pids=()

# Stops what was started, last first, by PID: SIGTERM (the gateways drain in-flight requests),
# then SIGKILL for anything still there after 15 s.
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    local i pid
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill -TERM "${pids[i]}" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        for ((i = 0; i < 150; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# eventually SECONDS DESCRIPTION COMMAND...: retries COMMAND every 0.1 s until it succeeds, or
# fails naming DESCRIPTION and showing LOG once SECONDS have passed or PID has exited ($pid and
# $log, when set, say whose readiness this is).
eventually() {
    local seconds=$1 description=$2 i
    shift 2
    for ((i = 0; i < seconds * 10; i++)); do
        "$@" && return 0
        if [ -n "${pid:-}" ] && ! kill -0 "$pid" 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
    echo "replicas.sh: $description: not within ${seconds} s" >&2
    [ -z "${log:-}" ] || tail -n 20 "$log" >&2
    return 1
}

# ---- Redis: a free loopback port, a generated password, nothing persisted.
redis_password=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
printf '%s' "$redis_password" >"$tmp/redis_password"
# shellcheck disable=SC2317 # called by eventually
redis_answers() {
    [ "$(REDISCLI_AUTH=$redis_password redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null)" = PONG ]
}
mkdir "$tmp/redis"
for attempt in 1 2 3 4 5; do
    # A port nobody listens on now; if another program takes it first, the next attempt retries.
    redis_port=$((20000 + RANDOM % 40000))
    listening "$redis_port" && continue
    cat >"$tmp/redis/redis.conf" <<EOF
bind 127.0.0.1
port $redis_port
requirepass $redis_password
save ""
appendonly no
dir $tmp/redis
EOF
    log=$tmp/redis.log
    : >"$log"
    redis-server "$tmp/redis/redis.conf" >"$log" 2>&1 &
    pid=$!
    pids+=("$pid")
    if eventually 10 "redis-server on 127.0.0.1:$redis_port" redis_answers; then
        break
    fi
    [ "$attempt" -lt 5 ] || die "redis-server did not start"
done
echo "redis-server    127.0.0.1:$redis_port (password in $tmp/redis_password)"

# ---- One set of demo upstreams for all the replicas.
log=$tmp/upstreams.log
: >"$log"
"$build_dir/kore-demo-upstreams" "$tmp/upstreams" >"$log" 2>&1 &
pid=$!
upstreams_pid=$pid
pids+=("$pid")
eventually 10 "kore-demo-upstreams" grep -q ready "$log" || exit 2
sed -n 's/^kore-demo-upstreams: ready: /demo upstreams  /p' "$log"
mapfile -t upstream_env <"$tmp/upstreams/upstreams.env"

# ---- The replicas, each on an ephemeral port it logs. env -i: the caller's own KORE_* or
# GATEWAY_* variables (a *_FILE among them) would otherwise mix with the demo's.
gateway_ports=()
warning=""
for ((n = 1; n <= replicas; n++)); do
    log=$tmp/gateway-$n.log
    : >"$log"
    env -i PATH="$PATH" "${upstream_env[@]}" GATEWAY_LISTEN_ADDRESS=127.0.0.1 GATEWAY_PORT=0 \
        GATEWAY_THREADS=2 GATEWAY_REDIS_URL="redis://127.0.0.1:$redis_port" \
        GATEWAY_REDIS_PASSWORD_FILE="$tmp/redis_password" \
        "$build_dir/kore-gateway" --config "$root/config/gateway.json" >"$log" 2>&1 &
    pid=$!
    pids+=("$pid")
    eventually 15 "gateway $n logs its port" grep -q 'listening on 127\.0\.0\.1:[0-9]' "$log" ||
        exit 2
    gateway_port=$(grep -om1 'listening on 127\.0\.0\.1:[0-9]*' "$log" | sed 's/.*://')
    eventually 15 "gateway $n /readyz" \
        curl -fs --max-time 2 -o /dev/null "http://127.0.0.1:$gateway_port/readyz" || exit 2
    gateway_ports+=("$gateway_port")
    echo "gateway $n       127.0.0.1:$gateway_port (log $log)"
    # A gateway that does not share everything through Redis yet warns about it.
    warning=$(grep -om1 'GATEWAY_REDIS_URL is set.*' "$log" || true)
done
[ -z "$warning" ] || echo "note: the replicas warn: $warning"

# ---- nginx: docker/lb/nginx.conf with the replicas' loopback ports, PORT, and its files here.
mkdir "$tmp/nginx"
awk -v tmp="$tmp/nginx/" -v port="$port" -v servers="${gateway_ports[*]}" '
    /^ *server gateway-[0-9]+:8080;/ {
        if (!done) {
            n = split(servers, list, " ")
            for (i = 1; i <= n; i++) print "        server 127.0.0.1:" list[i] ";"
            done = 1
        }
        next
    }
    /^ *listen 8080;/ { sub(/listen 8080;/, "listen 127.0.0.1:" port ";") }
    { gsub(/\/tmp\//, tmp); print }' "$root/docker/lb/nginx.conf" >"$tmp/nginx/nginx.conf"
log=$tmp/nginx.log
: >"$log"
nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e stderr -g 'daemon off;' >"$log" 2>&1 &
pid=$!
pids+=("$pid")
lb=http://127.0.0.1:$port
eventually 10 "nginx on $lb" curl -fs --max-time 2 -o /dev/null "$lb/lb-health" || exit 2
eventually 10 "$lb/readyz" curl -fs --max-time 2 -o /dev/null "$lb/readyz" || exit 2
echo "load balancer   $lb (log $log)"
pid=""
log=""

# ---- The demonstration.
# burst NAME PATH: $requests concurrent GETs of PATH through nginx; prints their status codes and
# X-Cache values, counted, and whether every body is the same.
burst() {
    local name=$1 path=$2 i jobs=()
    mkdir "$tmp/$name"
    for ((i = 1; i <= requests; i++)); do
        curl -sS --max-time 20 -o "$tmp/$name/$i.body" -w '%{http_code} %header{x-cache}\n' \
            "$lb$path" >"$tmp/$name/$i.status" 2>&1 &
        jobs+=("$!")
    done
    for i in "${jobs[@]}"; do
        wait "$i" || true
    done
    echo "$requests concurrent GET $path through the load balancer:"
    cat "$tmp/$name"/*.status | sort | uniq -c | sed 's/^/   /'
    echo "   $(sha256sum "$tmp/$name"/*.body | cut -d' ' -f1 | sort -u | wc -l) distinct body"
}
burst catalog "$catalog_path"
burst deals "$deal_path"

# metric TEXT NAME [LABEL_FILTER]: the sum of NAME's samples in a /metrics TEXT whose labels match
# LABEL_FILTER (a regular expression); "-" when the gateway has no such metric.
metric() {
    awk -v name="$2" -v filter="${3:-}" '
        index($1, name) == 1 && substr($1, length(name) + 1, 1) ~ /^(\{|)$/ && $1 ~ filter {
            sum += $2; found = 1
        }
        END { print found ? sum : "-" }' <<<"$1"
}
echo "per replica (from its /metrics):"
printf '   %-9s %6s %18s %5s %7s %8s %9s\n' replica served "upstream: catalog" kore tokens "L2 hits" \
    "Redis up"
for ((n = 1; n <= replicas; n++)); do
    text=$(curl -fsS --max-time 5 "http://127.0.0.1:${gateway_ports[n - 1]}/metrics" || true)
    printf '   %-9s %6s %18s %5s %7s %8s %9s\n' "gateway $n" \
        "$(metric "$text" kore_gateway_http_requests_total 'route="(catalog_products|deal)"')" \
        "$(metric "$text" kore_gateway_upstream_requests_total 'upstream="catalog"')" \
        "$(metric "$text" kore_gateway_upstream_requests_total 'upstream="kore"')" \
        "$(metric "$text" kore_gateway_token_requests_total)" \
        "$(metric "$text" kore_gateway_l2_hits_total)" \
        "$(metric "$text" kore_gateway_redis_up)"
done

# The fakes print their counts on SIGUSR1.
seen=$(grep -c '^requests:' "$tmp/upstreams.log" || true)
kill -USR1 "$upstreams_pid"
# shellcheck disable=SC2317 # called by eventually
has_new_counts() { [ "$(grep -c '^requests:' "$tmp/upstreams.log")" -gt "$seen" ]; }
eventually 5 "kore-demo-upstreams' counts" has_new_counts || exit 2
counts=$(grep '^requests:' "$tmp/upstreams.log" | tail -n 1)
echo "the fake upstreams received: ${counts#requests: }"
catalog=$(sed -n 's/.* catalog=\([0-9]*\).*/\1/p' <<<"$counts")
tokens=$(sed -n 's/.* token=\([0-9]*\).*/\1/p' <<<"$counts")
status=0
if [ "$catalog" = 1 ] && [ "$tokens" = 1 ]; then
    echo "outcome: as one gateway: 1 catalog request for $requests cold GETs, 1 token request" \
        "for $replicas replicas"
else
    echo "outcome: NOT as one gateway: expected 1 catalog request and 1 token request, got" \
        "$catalog and $tokens"
    status=1
fi

if [ "$keep" -eq 1 ]; then
    echo "running until Ctrl-C: curl $lb$catalog_path; files in $tmp"
    # Returns when a process ends on its own; Ctrl-C ends the script through the INT trap.
    wait -n "${pids[@]}" || true
    echo "replicas.sh: a process ended on its own; stopping the rest" >&2
    exit 1
fi
exit "$status"
