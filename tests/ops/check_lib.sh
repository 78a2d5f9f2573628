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
