#!/usr/bin/env bash
# Checks docker/docker-compose.yml as docker-compose 1.29 resolves it, with docker/.env.example
# as the env file: three gateway replicas sharing a redis service behind an nginx load balancer
# (lb), which alone publishes a port, on 127.0.0.1; each replica hardened (read-only root,
# no capabilities, healthcheck, a stop grace period longer than its 10 s drain) and given
# GATEWAY_REDIS_URL and the credentials as Docker secrets read through <VAR>_FILE, never as plain
# variables; Redis's password from the same secret; docker/lb/nginx.conf balancing over exactly
# the replicas with keepalive and no cache. Also that .env.example documents every variable of
# CONTRACT section 2 and docker/secrets/ ships a placeholder per secret, without a real secret in
# either. Needs no Docker daemon. Usage: tests/ops/compose_check.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
if ! command -v docker-compose >/dev/null; then
    echo "compose_check: 'docker-compose' not found (scripts/bootstrap.sh ci installs it)" >&2
    exit 2
fi

# shellcheck source-path=SCRIPTDIR source=check_lib.sh
source "$(dirname "$0")/check_lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A copy, so that a developer's real docker/.env is neither read nor printed.
mkdir "$tmp/docker"
cp "$root/docker/docker-compose.yml" "$tmp/docker/"
cp "$root/docker/.env.example" "$tmp/docker/.env"
if (cd "$tmp" && timeout 60 docker-compose -f docker/docker-compose.yml config) \
    >"$tmp/config.yml" 2>"$tmp/config.err"; then
    pass "docker-compose config accepts the file"
else
    fail "docker-compose config accepts the file: $(cat "$tmp/config.err")"
fi
config=$(cat "$tmp/config.yml")

# The lines of a top-level key's block in TEXT.
top_block_of() {
    awk -v key="$1:" '$0 == key {on = 1; next} on && /^[^ ]/ {on = 0} on' <<<"$2"
}
top_block() { top_block_of "$1" "$config"; }

services=$(top_block_of services "$config")
# The names of the services.
service_names=$(sed -n 's/^  \([^ ][^:]*\):$/\1/p' <<<"$services")
# The lines of one service's block (keys at 4 spaces).
service() {
    awk -v key="  $1:" '$0 == key {on = 1; next} on && /^  [^ ]/ {on = 0} on' <<<"$services"
}
# The lines of a key's block under a service (4-space indent in the output).
block() {
    awk -v key="    $2:" '$0 == key {on = 1; next} on && /^    [^ -]/ {on = 0} on' <<<"$(service "$1")"
}
has_line() { grep -qxF -- "$2" <<<"$(service "$1")"; }
gateways=()
for name in $service_names; do
    if has_line "$name" "    image: kore-gateway:local"; then
        gateways+=("$name")
    fi
done
check "three gateway replicas (${gateways[*]:-none})" [ ${#gateways[@]} -eq 3 ]
# each_gateway DESCRIPTION COMMAND...: one check that COMMAND succeeds for every replica, COMMAND
# getting the replica's name first; the failing ones are named.
each_gateway() {
    local description=$1 name failing=()
    shift
    for name in "${gateways[@]}"; do
        "$@" "$name" || failing+=("$name")
    done
    check "every gateway replica: $description${failing[*]:+ (not: ${failing[*]})}" \
        [ ${#failing[@]} -eq 0 ]
}

# Only the load balancer publishes a port, and only on this host's loopback.
publishers=()
for name in $service_names; do
    [ -z "$(block "$name" ports)" ] || publishers+=("$name")
done
check "only the load balancer (lb) publishes a port${publishers[*]:+ (publishing: ${publishers[*]})}" \
    [ "${publishers[*]:-}" = lb ]
ports=$(for name in $service_names; do block "$name" ports; done)
check "every published port is bound to 127.0.0.1: $(tr -s '\n ' ' ' <<<"$ports" | sed 's/^ //')" \
    test -z "$(grep -v -- '^    - 127\.0\.0\.1:' <<<"$ports")"

# The hardening every long-running service keeps: replicas, Redis and the load balancer alike.
hardened() {
    has_line "$1" "    read_only: true" && has_line "$1" "    init: true" &&
        has_line "$1" "    restart: unless-stopped" &&
        grep -qxF -- "    - ALL" <<<"$(block "$1" cap_drop)" &&
        grep -qxF -- "    - no-new-privileges:true" <<<"$(block "$1" security_opt)" &&
        [ -n "$(block "$1" healthcheck)" ]
}
each_gateway "read_only, init, restart, cap_drop ALL, no-new-privileges, healthcheck" hardened
check "redis: read_only, init, restart, cap_drop ALL, no-new-privileges, healthcheck" hardened redis
check "lb: read_only, init, restart, cap_drop ALL, no-new-privileges, healthcheck" hardened lb
tmpfs_on_tmp() { grep -qxF -- "    - /tmp" <<<"$(block "$1" tmpfs)"; }
each_gateway "tmpfs on /tmp" tmpfs_on_tmp
probes_healthz() { grep -qF -- "- http://127.0.0.1:8080/healthz" <<<"$(block "$1" healthcheck)"; }
each_gateway "healthcheck probes http://127.0.0.1:8080/healthz" probes_healthz
env_is() { grep -qxF -- "      $2: $3" <<<"$(block "$1" environment)"; }
listens_on_all() { env_is "$1" GATEWAY_LISTEN_ADDRESS 0.0.0.0; }
each_gateway "listens on all interfaces inside the container (GATEWAY_LISTEN_ADDRESS=0.0.0.0)" \
    listens_on_all
uses_redis() { env_is "$1" GATEWAY_REDIS_URL redis://redis:6379; }
each_gateway "GATEWAY_REDIS_URL=redis://redis:6379 (the redis service)" uses_redis
# The gateway's 10 s drain must end before compose's SIGKILL.
drains() {
    local grace seconds=-1
    grace=$(sed -n 's/^    stop_grace_period: *//p' <<<"$(service "$1")")
    if [[ "$grace" =~ ^(([0-9]+)m)?(([0-9]+)s)?$ && -n "$grace" ]]; then
        seconds=$((${BASH_REMATCH[2]:-0} * 60 + ${BASH_REMATCH[4]:-0}))
    fi
    [ "$seconds" -gt 10 ]
}
each_gateway "stop_grace_period longer than the 10 s drain" drains

# The credentials compose passes as Docker secrets: VAR=name, mounted at /run/secrets/<name> and
# named by <VAR>_FILE; a variable's secret is its name in lower case unless said otherwise.
secret_vars=(
    KORE_API_KEY KORE_CLIENT_SECRET CATALOG_API_KEY CATALOG_CLIENT_SECRET GATEWAY_ADMIN_TOKEN
    GATEWAY_REDIS_PASSWORD=redis_password
)
top_secrets=$(top_block secrets)
# "source path" per secret a service mounts: the target defaults to the name, and a relative
# target is under /run/secrets.
mounts() {
    awk '
        function flush() { if (src != "") print src " " (tgt ~ /^\// ? tgt : "/run/secrets/" tgt) }
        /^    - source: / { flush(); src = $3; tgt = $3 }
        /^      target: / { tgt = $2 }
        END { flush() }' <<<"$(block "$1" secrets)"
}
mounts_secret() { grep -qxF -- "$2 /run/secrets/$2" <<<"$(mounts "$3")"; }
reads_secret_file() { env_is "$3" "${1}_FILE" "/run/secrets/$2"; }
# What an operator copies (docker/secrets/README.md): empty (unset) or the placeholder.
placeholder_only() {
    local content
    content=$(cat "$1" 2>/dev/null) && [[ "$content" =~ ^(change-me)?$ ]]
}
for entry in "${secret_vars[@]}"; do
    var=${entry%%=*}
    name=${entry#*=}
    [ "$name" != "$entry" ] || name=${var,,}
    file=$(awk -v key="  $name:" '$0 == key {getline; print; exit}' <<<"$top_secrets")
    check "top-level secret $name is the file ./secrets/$name" \
        [ "$file" = "    file: $tmp/docker/secrets/$name" ]
    each_gateway "mounts secret $name at /run/secrets/$name" mounts_secret "$var" "$name"
    each_gateway "sets ${var}_FILE=/run/secrets/$name" reads_secret_file "$var" "$name"
    check "docker/secrets/$name.example exists and holds only change-me or nothing" \
        placeholder_only "$root/docker/secrets/$name.example"
done
no_plain_secret() {
    ! grep -qE '^      [A-Z0-9_]*(_API_KEY|_CLIENT_SECRET|ADMIN_TOKEN|REDIS_PASSWORD):' \
        <<<"$(block "$1" environment)"
}
each_gateway "no plain secret variable in the environment (only their _FILE)" no_plain_secret
check "redis: no plain secret variable in the environment" no_plain_secret redis

# Redis: the official image, its password from the same secret, nothing published.
check "a redis service from the official image" \
    grep -qE '^    image: redis:[0-9]' <<<"$(service redis)"
check "redis mounts secret redis_password at /run/secrets/redis_password" \
    mounts_secret - redis_password redis
redis_command=$(block redis command | tr -s '\n ' ' ')
# shellcheck disable=SC2016 # the $$( of the compose file, literally
check "redis requires the password read from /run/secrets/redis_password" \
    grep -qF -- '--requirepass "$$(cat /run/secrets/redis_password)"' <<<"$redis_command"
check "redis's healthcheck pings with redis-cli" grep -qF -- "redis-cli ping" \
    <<<"$(block redis healthcheck)"

# The load balancer: docker/lb/nginx.conf, read-only, balancing over exactly the replicas.
lb_conf=$root/docker/lb/nginx.conf
check "lb mounts ./lb/nginx.conf read-only" grep -qxF -- \
    "    - $tmp/docker/lb/nginx.conf:/etc/nginx/nginx.conf:ro" <<<"$(block lb volumes)"
upstream_servers=$(sed -n 's/^ *server \([^ ;]*\).*;$/\1/p' "$lb_conf" | sort | paste -sd ' ')
expected_servers=$(printf '%s:8080\n' "${gateways[@]}" | sort | paste -sd ' ')
check "nginx.conf's upstream is the replicas ($upstream_servers)" \
    [ "$upstream_servers" = "$expected_servers" ]
# shellcheck disable=SC2016 # nginx variables, literally
for directive in "keepalive [0-9]+" "proxy_http_version 1\.1" 'proxy_set_header Connection ""' \
    'proxy_set_header X-Request-Id \$http_x_request_id' \
    'proxy_set_header traceparent \$http_traceparent'; do
    check "nginx.conf: ${directive//\\/}" grep -qE -- "^ *$directive;" "$lb_conf"
done
check "nginx.conf caches nothing (no proxy_cache)" \
    test -z "$(grep -E '^ *proxy_cache' "$lb_conf" || true)"

if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    check "git ignores a real secret file in docker/secrets/" \
        git -C "$root" check-ignore -q docker/secrets/kore_api_key
    kept=$(git -C "$root" check-ignore docker/secrets/{kore_api_key.example,README.md} || true)
    check "git keeps the placeholders in docker/secrets/${kept:+ (ignored: $kept)}" [ -z "$kept" ]
fi

env_example="$root/docker/.env.example"
contract_vars=(
    GATEWAY_CONFIG GATEWAY_LISTEN_ADDRESS GATEWAY_PORT GATEWAY_THREADS GATEWAY_LOG_LEVEL
    GATEWAY_LOG_FORMAT GATEWAY_CA_FILE GATEWAY_ALLOW_INSECURE_UPSTREAM GATEWAY_UPSTREAM_TIMEOUT_MS
    GATEWAY_CATALOG_TTL_S GATEWAY_DEALS_TTL_S GATEWAY_STALE_IF_ERROR_S GATEWAY_CACHE_MAX_BYTES
    GATEWAY_MAX_BODY_BYTES GATEWAY_CORS_ORIGINS GATEWAY_ADMIN_TOKEN GATEWAY_MAX_CONNECTIONS
    GATEWAY_RATE_LIMIT_RPS GATEWAY_CLIENT_AUTH GATEWAY_JWT_JWKS_URL GATEWAY_JWT_ISSUER
    GATEWAY_JWT_AUDIENCE GATEWAY_JWT_LEEWAY_S GATEWAY_CIRCUIT_FAILURES GATEWAY_CIRCUIT_OPEN_MS
    GATEWAY_REDIS_URL GATEWAY_REDIS_PASSWORD GATEWAY_REDIS_PASSWORD_FILE GATEWAY_REDIS_TIMEOUT_MS
    GATEWAY_REDIS_KEY_PREFIX
    KORE_API_URL KORE_API_KEY KORE_API_VERSION KORE_AUTH_URL KORE_CLIENT_ID KORE_CLIENT_SECRET
    KORE_SCOPE KORE_AUDIENCE CATALOG_API_URL CATALOG_API_KEY CATALOG_AUTH_URL CATALOG_CLIENT_ID
    CATALOG_CLIENT_SECRET CATALOG_SCOPE CATALOG_AUDIENCE
)
for entry in "${secret_vars[@]}"; do
    contract_vars+=("${entry%%=*}_FILE")
done
undocumented=()
for var in "${contract_vars[@]}"; do
    # The variable (set or commented out), directly under a comment line that explains it.
    if ! awk -v var="$var" '
            $0 ~ "^(# )?" var "=" { found = (prev ~ /^# [^ ]/ && prev !~ /^# [A-Z_]+=/) ; exit }
            { prev = $0 }
            END { exit !found }' "$env_example"; then
        undocumented+=("$var")
    fi
done
missing="missing: ${undocumented[*]:-none}"
check ".env.example documents all ${#contract_vars[@]} variables ($missing)" \
    [ ${#undocumented[@]} -eq 0 ]

# Credentials may only be empty or the placeholder change-me.
secrets=$(grep -E '^(# )?[A-Z_]*(KEY|SECRET|TOKEN)=' "$env_example" |
    grep -vE '=(change-me)?$' || true)
check ".env.example holds no credential value other than change-me${secrets:+: $secrets}" \
    [ -z "$secrets" ]

summary
