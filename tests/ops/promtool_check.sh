#!/usr/bin/env bash
# Checks a running gateway's /metrics the way Prometheus will read it: HTTP 200, the text
# format's Content-Type, and `promtool check metrics` without a single error or lint problem.
# Usage: tests/ops/promtool_check.sh BASE_URL   (e.g. http://127.0.0.1:8080)
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 BASE_URL" >&2
    exit 2
fi
base=${1%/}
for tool in curl promtool; do
    if ! command -v "$tool" >/dev/null; then
        echo "promtool_check: '$tool' not found (scripts/bootstrap.sh ci installs it)" >&2
        exit 2
    fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source-path=SCRIPTDIR source=check_lib.sh
source "$(dirname "$0")/check_lib.sh"

: >"$tmp/body"
: >"$tmp/headers"
code=$(curl -sS --max-time 10 -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' \
    "$base/metrics" 2>"$tmp/curl.err") || code="curl failed: $(cat "$tmp/curl.err")"
if [ "$code" = 200 ]; then
    pass "GET $base/metrics answers 200"
else
    fail "GET $base/metrics answers 200 (got: $code)"
fi

content_type=$(tr -d '\r' <"$tmp/headers" | sed -n 's/^[Cc]ontent-[Tt]ype: *//p' | tail -n 1)
if [[ "$content_type" == text/plain* && "$content_type" == *version=0.0.4* ]]; then
    pass "Content-Type is '$content_type'"
else
    fail "Content-Type is text/plain; version=0.0.4 (got: '$content_type')"
fi

# promtool exits 1 on parse errors and 3 on lint problems; it also prints lint findings.
if [ -s "$tmp/body" ] && promtool check metrics <"$tmp/body" >"$tmp/promtool.out" 2>&1 &&
    [ ! -s "$tmp/promtool.out" ]; then
    pass "promtool check metrics finds no problem"
else
    fail "promtool check metrics finds no problem in a non-empty body:"
    sed 's/^/       /' "$tmp/promtool.out" 2>/dev/null || true
fi

check "kore_gateway_build_info is exported" \
    grep -q '^kore_gateway_build_info{version="[^"]*"} 1$' "$tmp/body"

summary
