#!/usr/bin/env bash
# Drives examples/browser/index.html in headless Chromium against a running gateway and checks
# what a real browser on another origin is allowed to see (CONTRACT sections 7 and 17).
# Usage: tests/ops/browser_cors_test.sh GATEWAY_URL --expect allowed|blocked|signed_in
#            [--page-port PORT] [--token-url URL] [--forbidden-path PATH]
#   The page is served from http://127.0.0.1:PORT (a free port unless --page-port is given, so
#   that a test can list that origin in GATEWAY_CORS_ORIGINS). --token-url (needed by signed_in)
#   is the demo token endpoint the page signs in with: the "demo user token: POST URL" of
#   `kore-gateway --demo`'s startup log line. --forbidden-path (with signed_in) is a gateway path
#   the signed-in demo user lacks a scope for: the page GETs it and must see a 403 whose
#   WWW-Authenticate and JSON body this origin can read.
set -euo pipefail

usage() {
    echo "usage: $0 GATEWAY_URL --expect allowed|blocked|signed_in [--page-port PORT]" \
        "[--token-url URL] [--forbidden-path PATH]" >&2
    exit 2
}
[ $# -ge 3 ] || usage
gateway=${1%/}
shift
expect="" page_port=0 token_url="" forbidden_path=""
while [ $# -gt 0 ]; do
    case "$1" in
    --expect) expect=${2:-} && shift 2 ;;
    --page-port) page_port=${2:-} && shift 2 ;;
    --token-url) token_url=${2:-} && shift 2 ;;
    --forbidden-path) forbidden_path=${2:-} && shift 2 ;;
    *) usage ;;
    esac
done
[[ "$expect" =~ ^(allowed|blocked|signed_in)$ && "$page_port" =~ ^[0-9]+$ ]] || usage
[[ -z "$token_url" || "$token_url" =~ ^https?:// ]] || usage
[[ "$expect" != signed_in || -n "$token_url" ]] || usage
[[ -z "$forbidden_path" || ("$forbidden_path" == /* && "$expect" == signed_in) ]] || usage
for tool in python3 chromedriver curl "${CHROMIUM_BIN:-chromium}"; do
    if ! command -v "$tool" >/dev/null; then
        echo "browser_cors_test: '$tool' not found" \
            "(apt-get install -y chromium chromium-driver)" >&2
        exit 2
    fi
done
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

# A browser reports a refused origin and a dead gateway alike ("Failed to fetch"): make sure the
# gateway answers at all, or "blocked" would pass for the wrong reason.
code=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' "$gateway/catalog/products" 2>&1) ||
    true
if ! [[ "$code" =~ ^[1-5][0-9][0-9]$ ]]; then
    echo "browser_cors_test: FAIL - the gateway at $gateway does not answer ($code)" >&2
    exit 1
fi

tmp=$(mktemp -d)
groups=()
# Job control puts each background helper in its own process group (id = its PID), so that
# stopping the group also stops the Chromium that chromedriver started. TERM first, KILL after 5 s.
set -m
cleanup() {
    local pid i
    set +m
    for pid in "${groups[@]}"; do
        kill -TERM -- "-$pid" 2>/dev/null || true
    done
    for pid in "${groups[@]}"; do
        for ((i = 0; i < 50; i++)); do
            kill -0 -- "-$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL -- "-$pid" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for_port FILE REGEX: group 1 of REGEX's match in FILE, waiting at most 15 s for it.
wait_for_port() {
    local file=$1 regex=$2 i
    for ((i = 0; i < 150; i++)); do
        if [[ -f "$file" && "$(cat "$file")" =~ $regex ]]; then
            echo "${BASH_REMATCH[1]}"
            return 0
        fi
        sleep 0.1
    done
    echo "browser_cors_test: timed out waiting for $file to match '$regex':" >&2
    cat "$file" >&2 || true
    return 1
}

python3 -u -m http.server --bind 127.0.0.1 --directory "$root/examples/browser" \
    "$page_port" >"$tmp/page.log" 2>&1 &
groups+=("$!")
page_port=$(wait_for_port "$tmp/page.log" 'Serving HTTP on [0-9.]+ port ([0-9]+)')

chromedriver --port=0 --allowed-ips=127.0.0.1 >"$tmp/driver.log" 2>&1 &
groups+=("$!")
driver_port=$(wait_for_port "$tmp/driver.log" 'started successfully on port ([0-9]+)')
driver="http://127.0.0.1:$driver_port"
ready=0
for ((i = 0; i < 150; i++)); do
    if curl -fsS --max-time 2 "$driver/status" 2>/dev/null | grep -q '"ready": *true'; then
        ready=1
        break
    fi
    sleep 0.1
done
if [ "$ready" -ne 1 ]; then
    echo "browser_cors_test: chromedriver did not become ready:" >&2
    cat "$tmp/driver.log" >&2
    exit 1
fi

# url_encode VALUE: VALUE as one query parameter value.
url_encode() {
    python3 -c 'import sys, urllib.parse
print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"
}
page="http://127.0.0.1:$page_port/index.html?gateway=$gateway"
if [ -n "$token_url" ]; then
    page+="&token_url=$(url_encode "$token_url")"
fi
if [ -n "$forbidden_path" ]; then
    page+="&forbidden_path=$(url_encode "$forbidden_path")"
fi
inputs="${token_url:+token URL $token_url, }${forbidden_path:+forbidden path $forbidden_path, }"
echo "browser_cors_test: page origin http://127.0.0.1:$page_port, gateway $gateway," \
    "${inputs}expect $expect"
timeout 120 python3 "$here/browser_cors_client.py" "$driver" "$page" "$expect" "$tmp/profile"
