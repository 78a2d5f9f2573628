#!/usr/bin/env bash
# The test suite under sanitizers, for CI: the whole suite built with AddressSanitizer and
# UndefinedBehaviorSanitizer (build-asan), then the concurrency suites with ThreadSanitizer
# (build-tsan). Any finding aborts the test that made it, so ctest fails.
# Usage: scripts/sanitize.sh [asan|tsan|all]   (default all)
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
case "$what" in asan | tsan | all) ;; *) echo "usage: $0 [asan|tsan|all]" >&2; exit 2 ;; esac
./scripts/bootstrap.sh

# Debug (-O0) compiles these large Asio/Beast translation units faster than -O1 would, and the
# suite is dominated by I/O waits, not by the slower code. -g1: line tables only, all that a
# sanitizer report's stack needs (function, file, line), for less disk than full debug information.
# Batches of 8 files without precompiled headers: the AddressSanitizer build takes 1.4 GB of disk
# instead of 2.7 GB file by file (its two precompiled headers alone were 0.8 GB), and ~8 minutes
# instead of ~12 on two cores.
build_flags=(-DCMAKE_CXX_FLAGS_DEBUG=-g1 -DKORE_UNITY_BUILD=ON -DCMAKE_DISABLE_PRECOMPILE_HEADERS=ON)
jobs=${KORE_JOBS:-2}
timings=()
failed=()
# name, then the command: runs it and records how long it took. A failure is recorded and the
# script goes on, so that one CI run shows the findings of both sanitizers.
step() {
    local name=$1 start=$SECONDS status=0
    shift
    echo "== sanitize.sh: $name"
    "$@" || status=$?
    timings+=("$name: $((SECONDS - start)) s$([ $status -eq 0 ] || echo ", FAILED ($status)")")
    [ $status -eq 0 ] || failed+=("$name")
    return 0
}

# The concurrency suites: the token provider (single flight), the coalescer and the response
# cache under concurrent use, the rate limiter's concurrent admits, the upstream pool and client
# (and its per-thread pools), the I/O threads' contexts,
# the integration tests that fire many requests at once (the 50 first requests sharing one token,
# the concurrent cold requests for one cache key and its failure fanning out), the server itself,
# the fault injection tests (error paths completing on other threads), and the forwarding, cache
# and upstream-fault integration suites (the real gateway's two I/O threads, ~15 s more), and
# this round's: circuits and client authentication shared by I/O threads, the JWKS source,
# reloads swapping snapshots under requests in flight.
tsan_filter=${KORE_TSAN_FILTER:-'token_provider_test\.|coalescer\.|connection_pool\.|https_client_test\.|per_thread_client_test\.|io_context_pool\.|^server\.|concurrent|fans_out|auth_fault|odd_token_lifetime|clock_timer_test|redis_connection|redis_subscriber|forwarding|cache_integration|upstream_faults|routes\.|cached_fetch|circuit_breaker|client_auth|jwks_source|reload_test|replicas\.|redis_links|redis_faults|resilience|upstream_retry|cors_on_gateway_answers|trace_context'}

if [ "$what" != tsan ]; then
    step "build-asan build" ./scripts/build.sh build-asan Debug "${build_flags[@]}" \
        -DKORE_SANITIZE=address,undefined -DKORE_WERROR=ON
    step "build-asan ctest (whole suite)" env \
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_init_order=1 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --test-dir build-asan --output-on-failure -j "$jobs"
fi

if [ "$what" != asan ]; then
    step "build-tsan build" ./scripts/build.sh build-tsan Debug "${build_flags[@]}" \
        -DKORE_SANITIZE=thread -DKORE_WERROR=ON
    # history_size: Asio's handlers touch shared state from many stack frames apart; the default
    # history is sometimes too short to show the other side of a report.
    tsan_options=halt_on_error=1:second_deadlock_stack=1:history_size=4
    # Findings inside uninstrumented system libraries only; each entry says why it is one.
    if [ -f scripts/tsan.supp ]; then
        tsan_options+=":suppressions=$PWD/scripts/tsan.supp"
    fi
    step "build-tsan ctest (concurrency suites)" env TSAN_OPTIONS="$tsan_options" \
        ctest --test-dir build-tsan --output-on-failure -j "$jobs" -R "$tsan_filter"
fi

echo "== sanitize.sh: timings"
printf '  %s\n' "${timings[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "sanitize.sh: FAILED: ${failed[*]}" >&2
    exit 1
fi
