#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (what CI runs).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh ci openapi
# clang, and the library and the tests in batches: under half the CPU time GCC needs for the same
# fresh build (README). GCC builds and runs the suite in scripts/sanitize.sh.
CC=clang CXX=clang++ ./scripts/build.sh build Release -DKORE_UNITY_BUILD=ON
# Four at a time on two cores: most tests wait on sockets and timers rather than compute (-j 2
# kept the CPUs about half busy). scripts/flake.sh runs the suite the same way under contention.
ctest --test-dir build --output-on-failure -j "${KORE_TEST_JOBS:-4}"
