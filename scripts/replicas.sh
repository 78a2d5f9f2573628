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
#   REDIS_TIMEOUT_MS  the replicas' GATEWAY_REDIS_TIMEOUT_MS (default 500)
# Exit status: 0 when the upstreams saw 1 catalog request and 1 token request, 1 otherwise, 2 when
# something is missing or does not start. Everything runs as the caller, in a temporary directory
# removed on exit; every process is stopped by its PID.
set -euo pipefail

usage() { sed -n '9,13p' "$0" | sed 's/^# \{0,1\}//'; }
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

# die MESSAGE [LOG]: exits 2 after MESSAGE and, when given, LOG's last 20 lines.
die() {
    echo "replicas.sh: $1" >&2
    [ -z "${2:-}" ] || tail -n 20 "$2" >&2
    exit 2
}
# shellcheck source-path=SCRIPTDIR source=lib/replicas_env.sh
source "$root/scripts/lib/replicas_env.sh"

for tool in redis-server redis-cli nginx curl ss; do
    command -v "$tool" >/dev/null ||
        die "'$tool' not found: scripts/bootstrap.sh ci bench installs redis-server and nginx"
done
for binary in kore-gateway kore-demo-upstreams; do
    [ -x "$build_dir/$binary" ] ||
        die "$build_dir/$binary not found: build it first (./scripts/build.sh builds both)"
done
listening "$port" && die "127.0.0.1:$port is in use: choose another with PORT=..."

make_scratch_dir kore-replicas

# ---- Redis: a free loopback port, a generated password, nothing persisted.
start_redis || die "redis-server did not start" "$tmp/redis.log"
echo "redis-server    127.0.0.1:$redis_port (password in $tmp/redis_password)"

# ---- One set of demo upstreams for all the replicas.
start_upstreams "$build_dir/kore-demo-upstreams" ||
    die "kore-demo-upstreams did not start" "$tmp/upstreams.log"
sed -n 's/^kore-demo-upstreams: ready: /demo upstreams  /p' "$tmp/upstreams.log"

# ---- The replicas, each on an ephemeral port.
gateway_ports=()
for ((n = 1; n <= replicas; n++)); do
    log=$tmp/gateway-$n.log
    # The contract's 50 ms deadline is for a Redis next to the gateway; on a loaded laptop a
    # command can take longer, and each such miss would then (rightly) fetch on its own.
    start_gateway "$log" "$build_dir/kore-gateway" GATEWAY_THREADS=2 "${redis_env[@]}" \
        GATEWAY_REDIS_TIMEOUT_MS="${REDIS_TIMEOUT_MS:-500}" ||
        die "gateway $n did not become ready" "$log"
    gateway_ports+=("$gateway_port")
    echo "gateway $n       127.0.0.1:$gateway_port (log $log)"
done

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
nginx_pid=$!
pids+=("$nginx_pid")
lb=http://127.0.0.1:$port
eventually --while "$nginx_pid" 10 curl -fs --max-time 2 -o /dev/null "$lb/lb-health" ||
    die "nginx on $lb: not within 10 s" "$log"
eventually --while "$nginx_pid" 10 curl -fs --max-time 2 -o /dev/null "$lb/readyz" ||
    die "$lb/readyz: not within 10 s" "$log"
echo "load balancer   $lb (log $log)"

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

echo "per replica (from its /metrics):"
printf '   %-9s %6s %18s %5s %7s %8s %9s\n' replica served "upstream: catalog" kore tokens "L2 hits" \
    "Redis up"
for ((n = 1; n <= replicas; n++)); do
    text=$(curl -fsS --max-time 5 "http://127.0.0.1:${gateway_ports[n - 1]}/metrics" || true)
    printf '   %-9s %6s %18s %5s %7s %8s %9s\n' "gateway $n" \
        "$(metric_in "$text" kore_gateway_http_requests_total \
            'route="(catalog_products|deal)"')" \
        "$(metric_in "$text" kore_gateway_upstream_requests_total 'upstream="catalog"')" \
        "$(metric_in "$text" kore_gateway_upstream_requests_total 'upstream="kore"')" \
        "$(metric_in "$text" kore_gateway_token_requests_total)" \
        "$(metric_in "$text" kore_gateway_l2_hits_total)" \
        "$(metric_in "$text" kore_gateway_redis_up)"
done

counts=$(upstream_counts) || die "kore-demo-upstreams printed no counts within 5 s"
echo "the fake upstreams received: $counts"
catalog=$(sed -n 's/.*\bcatalog=\([0-9]*\).*/\1/p' <<<"$counts")
tokens=$(sed -n 's/.*\btoken=\([0-9]*\).*/\1/p' <<<"$counts")
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
