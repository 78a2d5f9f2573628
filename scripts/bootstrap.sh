#!/usr/bin/env bash
# Installs what building and testing kore-gateway needs: Debian's packages, and for the groups
# that ask for them npm packages under build/tools (never global, never in the repository).
# Idempotent: when everything is present it checks and returns in about a second.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config ca-certificates openssl curl
  libboost1.81-dev nlohmann-json3-dev libspdlog-dev libssl-dev libgtest-dev libgmock-dev
  libhiredis-dev libmimalloc-dev
)
# Pinned npm packages, installed with the machine's Node.js and npm.
npm_packages=()
# Extra groups, asked for by the scripts that need them.
for group in "$@"; do
  case "$group" in
    # redis-server: the Redis tests start their own on a free loopback port.
    ci) packages+=(redis-server prometheus docker-compose chromium chromium-driver python3 clang libclang-rt-14-dev) ;;
    bench) packages+=(nginx wrk libbenchmark-dev libsimdjson-dev linux-perf procps valgrind) ;;
    # tests/ops/openapi_check.sh lints /openapi.json with Redocly CLI (needs Node.js >= 20.19).
    openapi) npm_packages+=("@redocly/cli@2.77.0") ;;
    *) echo "bootstrap.sh: unknown group '$group'" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap.sh: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The pinned version already under build/tools is kept without asking the registry.
tools="$(cd "$(dirname "$0")/.." && pwd)/build/tools"
npm_missing=()
for spec in "${npm_packages[@]}"; do
  name=${spec%@*}
  manifest="$tools/node_modules/$name/package.json"
  installed=$(grep -o -m 1 '"version": *"[^"]*"' "$manifest" 2>/dev/null | cut -d '"' -f 4 || true)
  [ "$installed" = "${spec##*@}" ] || npm_missing+=("$spec")
done
if [ ${#npm_missing[@]} -gt 0 ]; then
  if ! command -v npm >/dev/null; then
    echo "bootstrap.sh: ${npm_missing[*]} needs Node.js (>= 20.19) and npm" >&2
    exit 1
  fi
  echo "bootstrap.sh: installing ${npm_missing[*]} under $tools"
  mkdir -p "$tools"
  npm install --prefix "$tools" --save-exact --no-audit --no-fund --loglevel=error \
    "${npm_missing[@]}"
fi
