#!/usr/bin/env bash
# Checks the real gateway's GET /openapi.json (CONTRACT.md section 12) with a real validator:
# the demo gateway is started three times (defaults; then admin token and rate limit set, which
# adds the admin paths and 429s; then client authentication by API key or JWT, with a config file
# of one client and two routes that override it), and each document must answer 200 as JSON, pass
# `redocly lint` with the recommended rules as errors, and name no upstream URL, upstream path or
# secret.
# Usage: tests/ops/openapi_check.sh [GATEWAY_BINARY]   (default: build/kore-gateway)
# Needs Redocly CLI under build/tools: scripts/bootstrap.sh openapi
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
binary=${1:-$root/build/kore-gateway}
redocly=$root/build/tools/node_modules/.bin/redocly
if [ ! -x "$binary" ]; then
    echo "openapi_check: $binary not found; build it first (scripts/build.sh build Release)" >&2
    exit 2
fi
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
for tool in curl node "$redocly"; do
    if ! command -v "$tool" >/dev/null; then
        echo "openapi_check: '$tool' not found (scripts/bootstrap.sh openapi installs it)" >&2
        exit 2
    fi
done
# Lint offline and quietly: no usage report, no update notice.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_NOTIFICATIONS=true
# The gateway reads config/gateway.json relative to the working directory.
cd "$root"
# shellcheck source-path=SCRIPTDIR source=check_lib.sh
source "$here/check_lib.sh"

use_scratch_dir

# The recommended rules, every warning an error (recommended-strict), less those that do not fit
# a document generated for one gateway deployment.
cat >"$tmp/redocly.yaml" <<'EOF'
extends:
  - recommended-strict
telemetry: off
rules:
  # The document describes one local gateway, not a published API: there is no licence to name.
  info-license: off
  # Route templates are configuration, and the gateway resolves overlapping ones itself (a
  # literal segment wins over a parameter, CONTRACT.md section 10): /a/{x}/c beside /a/b/{y}
  # is a configuration the contract allows, not a mistake in the document.
  no-ambiguous-paths: off
EOF

# The client authentication run's settings. Any 64 hex digits do as the client's key hash. No
# JWKS is served at the JWKS URL: the gateway runs without keys (not ready), and the document
# does not depend on them.
admin_token=openapi-check-admin-token-7f3a
client_key_sha256=5f0c1b1a2e5d4c3b2a19081726354453627180919a8b7c6d5e4f3a2b1c0d9e8f
jwt_issuer=https://issuer.openapi-check.test
jwt_audience=openapi-check-audience-41c2
cat >"$tmp/client-auth.json" <<EOF
{
    "clients": [{"id": "web", "key_sha256": "$client_key_sha256"}],
    "routes": [
        {"name": "products_for_jwt", "method": "GET", "path": "/jwt/products",
         "upstream": "catalog", "upstream_path": "/api/v1/products",
         "client_auth": "jwt", "required_scopes": ["catalog.read"]},
        {"name": "products_for_all", "method": "GET", "path": "/open/products",
         "upstream": "catalog", "upstream_path": "/api/v1/products", "client_auth": "none"}
    ]
}
EOF

# Strings the document must not contain: the demo upstreams' host (https://localhost:PORT), the
# built-in routes' upstream paths, the demo credentials (src/mock/demo_upstreams.cpp), the admin
# token, and the client authentication run's key hash and JWT settings.
forbidden=(localhost 127.0.0.1 /api/v1/ /aggregates/ kore-gateway-demo demo-client-secret
    demo-kore-api-key demo-catalog-api-key "$admin_token" "$client_key_sha256" "$jwt_issuer"
    "$jwt_audience" /jwks.json)
absent() { ! grep -qF -- "$1" "$2"; }

# check_document NAME [VAR=value...]: starts the gateway with the variables and checks its document.
check_document() {
    local name=$1 code content_type word
    shift
    if ! start_gateway "$@"; then
        fail "$name: the demo gateway starts"
        return 0
    fi
    : >"$tmp/openapi.json"
    : >"$tmp/headers"
    code=$(curl -sS --max-time 10 -o "$tmp/openapi.json" -D "$tmp/headers" -w '%{http_code}' \
        "$gateway/openapi.json" 2>"$tmp/curl.err") || code="curl failed: $(cat "$tmp/curl.err")"
    stop_gateway
    if [ "$code" = 200 ]; then
        pass "$name: GET /openapi.json answers 200"
    else
        fail "$name: GET /openapi.json answers 200 (got: $code)"
        return 0
    fi
    content_type=$(tr -d '\r' <"$tmp/headers" | sed -n 's/^[Cc]ontent-[Tt]ype: *//p' | tail -n 1)
    if [[ "$content_type" == application/json* ]]; then
        pass "$name: Content-Type is '$content_type'"
    else
        fail "$name: Content-Type is application/json (got: '$content_type')"
    fi
    if "$redocly" lint --config "$tmp/redocly.yaml" --format=stylish "$tmp/openapi.json" \
        >"$tmp/lint.out" 2>&1; then
        pass "$name: redocly lint finds no problem"
    else
        fail "$name: redocly lint finds no problem:"
        grep -v -e '^ *$' -e '║' -e '═' "$tmp/lint.out" | sed 's/^/       /'
    fi
    for word in "${forbidden[@]}"; do
        check "$name: the document does not contain '$word'" \
            absent "$word" "$tmp/openapi.json"
    done
}

check_document "defaults"
check_document "admin and rate limit" \
    GATEWAY_ADMIN_TOKEN="$admin_token" GATEWAY_RATE_LIMIT_RPS=1000
check "the admin document has /admin/cache/purge" grep -qF '"/admin/cache/purge"' "$tmp/openapi.json"
check "the admin document has /admin/reload" grep -qF '"/admin/reload"' "$tmp/openapi.json"
# The demo supplies JWT settings of its own identity provider; these take their place so that
# the run needs nothing of it.
check_document "client authentication" \
    GATEWAY_CONFIG="$tmp/client-auth.json" GATEWAY_CLIENT_AUTH="api_key,jwt" \
    GATEWAY_JWT_JWKS_URL=https://127.0.0.1:9/jwks.json GATEWAY_JWT_ISSUER="$jwt_issuer" \
    GATEWAY_JWT_AUDIENCE="$jwt_audience"
# The document is compact JSON.
check "the client authentication document defines the JWT scheme" \
    grep -qF '"bearerFormat":"JWT"' "$tmp/openapi.json"
check "the client authentication document offers either credential on the built-in routes" \
    grep -qF '[{"apiKey":[]},{"jwt":[]}]' "$tmp/openapi.json"
check "the client authentication document lists a route's required scopes" \
    grep -qF '[{"jwt":["catalog.read"]}]' "$tmp/openapi.json"

summary
