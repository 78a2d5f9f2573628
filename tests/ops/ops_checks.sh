#!/usr/bin/env bash
# Every ops check in one go, for CI: the static Dockerfile and compose checks, the OpenAPI
# document through a real validator, then a real gateway in demo mode on loopback for promtool
# and the browser CORS checks, the last one with client authentication (JWT) on.
# Usage: tests/ops/ops_checks.sh [GATEWAY_BINARY]   (default: build/kore-gateway)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
binary=${1:-$root/build/kore-gateway}
if [ ! -x "$binary" ]; then
    echo "ops_checks: $binary not found; build it first (scripts/build.sh build Release)" >&2
    exit 2
fi
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
# The gateway reads config/gateway.json relative to the working directory.
cd "$root"
# shellcheck source-path=SCRIPTDIR source=check_lib.sh
source "$here/check_lib.sh"

use_scratch_dir

free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# run NAME COMMAND...: one check whose own output is kept, indented, only when it fails.
run() {
    local name=$1
    shift
    if "$@" >"$tmp/out" 2>&1; then
        pass "$name"
    else
        fail "$name"
        sed 's/^/       /' "$tmp/out"
    fi
}

run "dockerfile_check" "$here/dockerfile_check.sh" "$root/docker/Dockerfile" "$binary"
run "compose_check" "$here/compose_check.sh"
# Starts its own gateways: the document with and without the admin endpoints.
run "openapi_check (redocly lint of /openapi.json)" "$here/openapi_check.sh" "$binary"

start_gateway
run "promtool_check on /metrics" "$here/promtool_check.sh" "$gateway"
run "browser on another origin, CORS '*': allowed" \
    "$here/browser_cors_test.sh" "$gateway" --expect allowed
stop_gateway
check "the gateway exits 0 on SIGTERM (exit status $gateway_exit)" [ "$gateway_exit" -eq 0 ]

listed=$(free_port)
start_gateway GATEWAY_CORS_ORIGINS="http://127.0.0.1:$listed"
run "browser on a listed origin: allowed" \
    "$here/browser_cors_test.sh" "$gateway" --expect allowed --page-port "$listed"
run "browser on an origin not listed: blocked" \
    "$here/browser_cors_test.sh" "$gateway" --expect blocked
stop_gateway

# Client authentication with the demo's identity provider: the page is refused, signs in as the
# demo user at the token URL of the startup log line, and is then served; a route asking for a
# scope the demo user's token lacks answers it 403, and the page can read why (CONTRACT 17).
cat >"$tmp/restricted.json" <<'EOF'
{"routes": [{"name": "restricted_deal", "method": "GET",
             "path": "/restricted/deals/{opportunityId}", "upstream": "kore",
             "upstream_path": "/aggregates/premium-deal-summaries/by-opportunity/{opportunityId}",
             "required_scopes": ["deals:admin"]}]}
EOF
restricted_path=/restricted/deals/1234abcd-1234-abcd-123456789abc
run "--check-config accepts the route requiring deals:admin" \
    "$binary" --check-config --config "$tmp/restricted.json"
# GATEWAY_CONFIG is how start_gateway (env VAR=value... binary --demo) passes --config.
start_gateway GATEWAY_CLIENT_AUTH=jwt GATEWAY_CONFIG="$tmp/restricted.json"
if [[ "$(cat "$tmp/gateway.log")" =~ demo\ user\ token:\ POST\ ([^[:space:],\;]+) ]]; then
    run "browser signs in as the demo user (GATEWAY_CLIENT_AUTH=jwt): allowed; 403 readable" \
        "$here/browser_cors_test.sh" "$gateway" --expect signed_in \
        --token-url "${BASH_REMATCH[1]}" --forbidden-path "$restricted_path"
else
    fail "the demo startup log line names the demo user token URL"
    sed 's/^/       /' "$tmp/gateway.log"
fi
stop_gateway

summary
