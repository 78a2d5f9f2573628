#!/usr/bin/env bash
# Installs what is missing, builds the release binary and starts the gateway in the foreground.
# With no upstream configured (no KORE_API_URL / CATALOG_API_URL) it starts in demo mode.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
./scripts/build.sh build Release
if [ -z "${KORE_API_URL:-}" ] && [ -z "${CATALOG_API_URL:-}" ]; then
  port=${GATEWAY_PORT:-8080}
  echo "No upstream configured: starting in demo mode. Try:"
  echo "  curl http://127.0.0.1:$port/catalog/products"
  echo "  curl http://127.0.0.1:$port/deals/1234abcd-1234-abcd-123456789abc"
  exec ./build/kore-gateway --demo "$@"
fi
exec ./build/kore-gateway "$@"
