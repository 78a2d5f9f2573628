#!/usr/bin/env bash
# Configures and builds one build directory. Usage: scripts/build.sh DIR BUILD_TYPE [cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$1 type=$2
shift 2
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if [ ! -f "$dir/CMakeCache.txt" ]; then
  cmake -S . -B "$dir" "${generator[@]}" -DCMAKE_BUILD_TYPE="$type" "$@"
fi
cmake --build "$dir" -j "${KORE_JOBS:-2}"
