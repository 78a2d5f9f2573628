# shellcheck shell=bash
# Shared by the tests/ops checks (sourced, not run): pass/fail lines and the final
# "N passed, M failed" summary, whose exit status is non-zero when anything failed.
passed=0
failed=0

pass() {
    echo "ok   - $1"
    passed=$((passed + 1))
}

fail() {
    echo "FAIL - $1"
    failed=$((failed + 1))
}

# check DESCRIPTION COMMAND...: passes when COMMAND succeeds.
check() {
    local description=$1
    shift
    if "$@"; then
        pass "$description"
    else
        fail "$description"
    fi
}

summary() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

# The demo gateway of the checks that need a live one. The caller sets $binary (the executable)
# and calls use_scratch_dir, which makes $tmp and stops the gateway on exit.
gateway_pid=""
gateway_exit=""

# start_gateway [VAR=value...]: the demo gateway on an ephemeral loopback port; sets $gateway.
start_gateway() {
    local i log=$tmp/gateway.log
    : >"$log"
    env GATEWAY_LISTEN_ADDRESS=127.0.0.1 GATEWAY_PORT=0 "$@" "$binary" --demo >"$log" 2>&1 &
    gateway_pid=$!
    for ((i = 0; i < 150; i++)); do
        if [[ "$(cat "$log")" =~ listening\ on\ 127\.0\.0\.1:([0-9]+) ]]; then
            gateway=http://127.0.0.1:${BASH_REMATCH[1]}
            if curl -fsS --max-time 2 -o /dev/null "$gateway/healthz"; then
                return 0
            fi
        fi
        kill -0 "$gateway_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "$(basename "$0"): the gateway did not become healthy:" >&2
    cat "$log" >&2
    return 1
}

# Stops the gateway as an orchestrator would (SIGTERM) and records its exit status.
stop_gateway() {
    local i
    [ -n "$gateway_pid" ] || return 0
    kill -TERM "$gateway_pid" 2>/dev/null || true
    # The gateway drains for up to 10 s before exiting.
    for ((i = 0; i < 150; i++)); do
        kill -0 "$gateway_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$gateway_pid" 2>/dev/null || true
    gateway_exit=0
    wait "$gateway_pid" 2>/dev/null || gateway_exit=$?
    gateway_pid=""
}

# $tmp, a scratch directory removed on exit, after the gateway (if any) is stopped.
use_scratch_dir() {
    tmp=$(mktemp -d)
    trap 'stop_gateway; rm -rf "$tmp"' EXIT
    trap 'exit 130' INT TERM
}
