#!/usr/bin/env bash
# Runs the whole test suite N times under CPU contention and lists every test that failed at least
# once, with how often: two busy loops (one per CPU, pinned with taskset where there is more than
# one) compete with the suite the way a loaded CI machine does. Exit 0 only when every round
# passed. Needs a built tree (scripts/build.sh or scripts/test.sh first).
# Usage: scripts/flake.sh N [BUILD_DIR]   (default build)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-}
build_dir=${2:-build}
if ! [[ "$rounds" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 N [BUILD_DIR]" >&2
    exit 2
fi
if [ ! -f "$build_dir/CTestTestfile.cmake" ]; then
    echo "flake.sh: $build_dir is not a built tree (run scripts/test.sh first)" >&2
    exit 2
fi
jobs=${KORE_TEST_JOBS:-4} # as scripts/test.sh runs them
# Bounds that only catch a hang: a whole round takes about 1.5 minutes on this machine.
round_timeout=${FLAKE_ROUND_TIMEOUT:-1200}

busy=()
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    local pid
    for pid in "${busy[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cpus=$(nproc)
for ((cpu = 0; cpu < 2; cpu++)); do
    if [ "$cpus" -gt 1 ] && command -v taskset >/dev/null; then
        taskset -c $((cpu % cpus)) bash -c 'while :; do :; done' &
    else
        bash -c 'while :; do :; done' &
    fi
    busy+=("$!")
done

declare -A failures=()
failed_rounds=0
for ((round = 1; round <= rounds; round++)); do
    start=$SECONDS
    status=0
    timeout "$round_timeout" ctest --test-dir "$build_dir" -j "$jobs" --timeout 300 --output-on-failure \
        >"$build_dir/flake-round.log" 2>&1 || status=$?
    failed_list="$build_dir/Testing/Temporary/LastTestsFailed.log"
    count=0
    if [ "$status" -ne 0 ]; then
        failed_rounds=$((failed_rounds + 1))
        cp "$build_dir/flake-round.log" "$build_dir/flake-round-$round.log"
        if [ -f "$failed_list" ]; then
            while IFS=: read -r _ name; do
                failures[$name]=$((${failures[$name]:-0} + 1))
                count=$((count + 1))
            done <"$failed_list"
        fi
        [ "$count" -gt 0 ] ||
            failures["(round $round: ctest exit $status, see $build_dir/flake-round-$round.log)"]=1
    fi
    echo "flake.sh: round $round/$rounds: $([ "$status" -eq 0 ] && echo passed || echo "$count failed")" \
        "in $((SECONDS - start)) s"
done

if [ ${#failures[@]} -eq 0 ]; then
    echo "flake.sh: $rounds rounds under contention, no test failed"
    exit 0
fi
echo "flake.sh: $failed_rounds of $rounds rounds had failures; tests that failed at least once:"
for name in "${!failures[@]}"; do
    echo "  ${failures[$name]}x $name"
done | sort -rn
exit 1
