#!/usr/bin/env bash
# Checks docker/Dockerfile without building it: the build stage uses the CI scripts, the
# runtime stage is slim, installs the package of every shared library the binary links, runs as a
# non-root user, has a healthcheck, and no secret is baked in.
# Usage: tests/ops/dockerfile_check.sh [DOCKERFILE [BINARY]]
#   (default: docker/Dockerfile and build/kore-gateway; without a built binary the libraries are
#   not checked)
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
dockerfile=${1:-$root/docker/Dockerfile}
binary=${2:-$root/build/kore-gateway}
if [ ! -f "$dockerfile" ]; then
    echo "dockerfile_check: $dockerfile not found" >&2
    exit 2
fi
# shellcheck source-path=SCRIPTDIR source=check_lib.sh
source "$(dirname "$0")/check_lib.sh"

# One instruction per line: continuation lines joined, comments and blank lines dropped.
instructions=$(sed -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$/d' "$dockerfile" |
    awk '{
        if (sub(/\\[[:space:]]*$/, "")) { line = line $0 " " } else { print line $0; line = "" }
    }')
stages=$(grep -ciE '^FROM[[:space:]]' <<<"$instructions" || true)
# The instructions of the first (build) and last (runtime) stage.
build=$(awk 'toupper($1) == "FROM" { n++ } n == 1' <<<"$instructions")
runtime=$(awk -v last="$stages" 'toupper($1) == "FROM" { n++ } n == last' <<<"$instructions")
has() { grep -qiE -- "$2" <<<"$1"; }
installs() {
    local p
    for p in "$@"; do
        has "$runtime" "^RUN .*apt-get install.* $p( |$)" || return 1
    done
}
# The Debian packages of the shared libraries a binary needs, but for the C and C++ runtimes that
# bookworm-slim has and the sanitizers' runtimes of a sanitizer build (the image is built
# Release). ldd names /lib/... where a package may have registered /usr/lib/... .
library_packages() {
    ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | while read -r lib; do
        dpkg -S "$lib" 2>/dev/null || dpkg -S "/usr$lib" 2>/dev/null ||
            dpkg -S "${lib#/usr}" 2>/dev/null || echo "unpackaged:$lib"
    done | cut -d: -f1 | sort -u | grep -vxE 'libc6|libstdc\+\+6|libgcc-s1|lib(a|ub|t|l)san[0-9]+'
}
non_root() { [ -n "$1" ] && [[ ! "${1%%:*}" =~ ^(root|0)$ ]]; }

check "multi-stage ($stages stages)" [ "$stages" -ge 2 ]
check "build stage is FROM debian:bookworm" \
    has "$build" '^FROM[[:space:]]+debian:bookworm([[:space:]]|$)'
check "build stage runs scripts/bootstrap.sh" has "$build" '^RUN .*(\./)?scripts/bootstrap\.sh'
check "build stage runs scripts/build-pgo.sh build -DKORE_BUILD_TESTS=OFF" \
    has "$build" '^RUN .*(\./)?scripts/build-pgo\.sh build -DKORE_BUILD_TESTS=OFF'
check "runtime stage is FROM debian:bookworm-slim" \
    has "$runtime" '^FROM[[:space:]]+debian:bookworm-slim([[:space:]]|$)'
check "runtime stage installs ca-certificates and curl (the healthcheck)" installs ca-certificates curl
if [ -x "$binary" ]; then
    packages=$(library_packages "$binary" | paste -sd ' ')
    # shellcheck disable=SC2046 # one argument per package, escaped for the pattern
    check "runtime stage installs the libraries $(basename "$binary") links: $packages" \
        installs $(sed 's/[.+]/\\&/g' <<<"$packages")
fi
check "runtime stage copies only the binary and config/ from the build stage" \
    test -z "$(grep -iE '^(COPY|ADD)[[:space:]]' <<<"$runtime" |
        grep -vE '^COPY --from=[^ ]+ [^ ]*/(build/kore-gateway|config/?) ' || true)"

user=$(grep -iE '^USER[[:space:]]' <<<"$runtime" | tail -n 1 | awk '{print $2}')
check "runtime stage runs as a non-root USER (${user:-none})" non_root "$user"
check "HEALTHCHECK probes http://127.0.0.1:8080/healthz" \
    has "$runtime" '^HEALTHCHECK .*http://127\.0\.0\.1:8080/healthz'
check "ENV GATEWAY_LISTEN_ADDRESS=0.0.0.0" \
    has "$runtime" '^ENV .*GATEWAY_LISTEN_ADDRESS=0\.0\.0\.0([[:space:]]|$)'
check "EXPOSE 8080" has "$runtime" '^EXPOSE[[:space:]]+8080([[:space:]/]|$)'
check "STOPSIGNAL SIGTERM" has "$runtime" '^STOPSIGNAL[[:space:]]+SIGTERM$'

# Credentials come from the environment at run time, never from the image.
secrets=$(grep -iE '^(ENV|ARG|LABEL)[[:space:]]' <<<"$instructions" |
    grep -iE '(KEY|SECRET|TOKEN|PASSWORD|PASSWD)[A-Z_]*[[:space:]=]+[^[:space:]]' || true)
check "no ENV/ARG/LABEL sets a key, secret, token or password${secrets:+: $secrets}" \
    [ -z "$secrets" ]
env_copies=$(grep -iE '^(COPY|ADD)[[:space:]].*\.env([[:space:]]|$)' <<<"$instructions" || true)
check "no .env file is copied into the image${env_copies:+: $env_copies}" [ -z "$env_copies" ]

summary
