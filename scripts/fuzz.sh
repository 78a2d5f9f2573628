#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (build-fuzz: ASan + UBSan, the library instrumented for
# coverage), replays the saved crash reproducers, then fuzzes each target for a bounded time on
# a copy of its seed corpus. Fails on any crash, leak, sanitizer finding or timeout.
# Usage: scripts/fuzz.sh [seconds per target]   (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
./scripts/bootstrap.sh ci # clang and libclang-rt-14-dev

dir=build-fuzz
targets=(fuzz_request fuzz_desync fuzz_config fuzz_price_body fuzz_upstream_response fuzz_cache_key fuzz_json_validity
    fuzz_redis_values)
start=$SECONDS
if [ ! -f "$dir/CMakeCache.txt" ]; then
    generator=()
    command -v ninja >/dev/null && generator=(-G Ninja)
    # -g1: line tables, enough for a finding's stack (as in scripts/sanitize.sh).
    CC=clang CXX=clang++ cmake -S . -B "$dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Debug \
        -DCMAKE_CXX_FLAGS_DEBUG=-g1 \
        -DKORE_SANITIZE=address,undefined -DKORE_BUILD_FUZZERS=ON -DKORE_BUILD_TESTS=OFF \
        -DKORE_WERROR=ON
fi
cmake --build "$dir" --target fuzzers -j "${KORE_JOBS:-2}"
echo "== fuzz.sh: build took $((SECONDS - start)) s"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Inputs past the server's header limit (16 KiB) and the upstream response limit (64 KiB in the
# target) must be reachable, or the limits themselves are never exercised.
max_len() {
    case "$1" in
    fuzz_request | fuzz_desync) echo 20000 ;;
    fuzz_upstream_response) echo 70000 ;;
    *) echo 8192 ;;
    esac
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
artifacts=$dir/fuzz-artifacts
mkdir -p "$artifacts"
failed=()
for t in "${targets[@]}"; do
    # Reproducers of crashes found before: each must now pass.
    regressions=tests/fuzz/regressions/$t
    if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
        if ! "$dir/fuzz/$t" "$regressions"/*; then
            failed+=("$t (regression)")
            continue
        fi
    fi
    # A copy: the corpus the run grows stays out of the source tree.
    mkdir -p "$work/$t"
    cp tests/fuzz/corpus/"$t"/* "$work/$t/"
    echo "== fuzz.sh: $t for ${seconds} s"
    t_start=$SECONDS
    if ! "$dir/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len="$(max_len "$t")" -print_final_stats=1 \
        -artifact_prefix="$artifacts/$t-" "$work/$t" 2>"$work/$t.log"; then
        tail -n 60 "$work/$t.log"
        failed+=("$t")
    fi
    grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$work/$t.log" | tail -n 2 || true
    echo "== fuzz.sh: $t took $((SECONDS - t_start)) s"
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz.sh: FAILED: ${failed[*]}; reproducers in $artifacts" >&2
    echo "fuzz.sh: replay one with $dir/fuzz/<target> <file>; keep it under" \
        "tests/fuzz/regressions/<target>/ and add a unit test named *regression*" >&2
    exit 1
fi
echo "fuzz.sh: ${#targets[@]} targets, ${seconds} s each: no crash"
