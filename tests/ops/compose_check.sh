#!/usr/bin/env bash
# Checks docker/docker-compose.yml as docker-compose 1.29 resolves it, with docker/.env.example
# as the env file: loopback-only port, read-only root, healthcheck, a stop grace period longer
# than the gateway's 10 s drain, the credentials as Docker secrets read through <VAR>_FILE and
# never as plain variables; that .env.example documents every variable of CONTRACT section 2
# and docker/secrets/ ships a placeholder per secret, without a real secret in either. Needs no
# Docker daemon. Usage: tests/ops/compose_check.sh
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

has_line() { grep -qxF -- "$1" <<<"$config"; }
# The lines of a key's block under the gateway service (4-space indent in the output).
block() {
    awk -v key="    $1:" '$0 == key {on = 1; next} on && /^    [^ -]/ {on = 0} on' <<<"$config"
}
# The lines of a top-level key's block.
top_block() {
    awk -v key="$1:" '$0 == key {on = 1; next} on && /^[^ ]/ {on = 0} on' <<<"$config"
}

ports=$(block ports)
check "the port is published: $(tr -s '\n ' ' ' <<<"$ports" | sed 's/^ //')" [ -n "$ports" ]
check "every published port is bound to 127.0.0.1" \
    test -z "$(grep -v -- '^    - 127\.0\.0\.1:' <<<"$ports")"
check "read_only: true" has_line "    read_only: true"
check "tmpfs on /tmp" grep -qxF -- "    - /tmp" <<<"$(block tmpfs)"
check "healthcheck probes http://127.0.0.1:8080/healthz" \
    grep -qF -- "- http://127.0.0.1:8080/healthz" <<<"$(block healthcheck)"
check "init: true" has_line "    init: true"
check "restart: unless-stopped" has_line "    restart: unless-stopped"
check "the gateway listens on all interfaces inside the container" \
    has_line "      GATEWAY_LISTEN_ADDRESS: 0.0.0.0"

grace=$(sed -n 's/^    stop_grace_period: *//p' <<<"$config")
seconds=-1
if [[ "$grace" =~ ^(([0-9]+)m)?(([0-9]+)s)?$ && -n "$grace" ]]; then
    seconds=$((${BASH_REMATCH[2]:-0} * 60 + ${BASH_REMATCH[4]:-0}))
fi
check "stop_grace_period ($grace) is longer than the 10 s drain" [ "$seconds" -gt 10 ]

# The credentials compose passes as Docker secrets: each variable's secret is its name in lower
# case, mounted at /run/secrets/<name> and named by <VAR>_FILE.
secret_vars=(
    KORE_API_KEY KORE_CLIENT_SECRET CATALOG_API_KEY CATALOG_CLIENT_SECRET GATEWAY_ADMIN_TOKEN
)
top_secrets=$(top_block secrets)
service_secrets=$(block secrets)
environment=$(block environment)
# "source path" per secret the service mounts: the target defaults to the name, and a relative
# target is under /run/secrets.
mounts=$(awk '
    function flush() { if (src != "") print src " " (tgt ~ /^\// ? tgt : "/run/secrets/" tgt) }
    /^    - source: / { flush(); src = $3; tgt = $3 }
    /^      target: / { tgt = $2 }
    END { flush() }' <<<"$service_secrets")
# What an operator copies (docker/secrets/README.md): empty (unset) or the placeholder.
placeholder_only() {
    local content
    content=$(cat "$1" 2>/dev/null) && [[ "$content" =~ ^(change-me)?$ ]]
}
for var in "${secret_vars[@]}"; do
    name=${var,,}
    file=$(awk -v key="  $name:" '$0 == key {getline; print; exit}' <<<"$top_secrets")
    check "top-level secret $name is the file ./secrets/$name" \
        [ "$file" = "    file: $tmp/docker/secrets/$name" ]
    check "the gateway mounts secret $name at /run/secrets/$name" \
        grep -qxF -- "$name /run/secrets/$name" <<<"$mounts"
    check "the gateway's environment sets ${var}_FILE=/run/secrets/$name" \
        grep -qxF -- "      ${var}_FILE: /run/secrets/$name" <<<"$environment"
    check "docker/secrets/$name.example exists and holds only change-me or nothing" \
        placeholder_only "$root/docker/secrets/$name.example"
done
plain=$(grep -oE '^      [A-Z0-9_]*(_API_KEY|_CLIENT_SECRET|ADMIN_TOKEN|REDIS_PASSWORD):' \
    <<<"$environment" | sed -E 's/^ +//; s/:$//' | paste -sd ' ' || true)
check "the gateway's environment holds no plain secret variable${plain:+: $plain}" [ -z "$plain" ]
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
    "${secret_vars[@]/%/_FILE}"
)
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
