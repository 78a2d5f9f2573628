#!/usr/bin/env bash
# Installs what building and testing kore-gateway needs, from Debian's packages only.
# Idempotent: when everything is present it checks and returns in about a second.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config ca-certificates openssl curl
  libboost1.81-dev nlohmann-json3-dev libspdlog-dev libssl-dev libgtest-dev libgmock-dev
)
# Extra groups, asked for by the scripts that need them.
for group in "$@"; do
  case "$group" in
    ci) packages+=(prometheus docker-compose chromium chromium-driver python3 clang libclang-rt-14-dev) ;;
    bench) packages+=(nginx wrk libbenchmark-dev linux-perf procps valgrind) ;;
    *) echo "bootstrap.sh: unknown group '$group'" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "bootstrap.sh: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
