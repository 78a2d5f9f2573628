#!/usr/bin/env bash
# Writes the origin's answers into DIR: products.json (~30 KB, shaped like the Catalog API's
# GET /api/v1/products) and deal.json (~600 B, shaped like KORE's premium deal summary).
# Deterministic: the same bytes on every machine. Usage: bench/make_data.sh DIR
set -euo pipefail
dir=${1:?usage: make_data.sh DIR}
mkdir -p "$dir"

# A UUID-shaped id from a counter (Knuth's multiplicative hash), so no randomness is involved.
uuid() {
    local a=$(( ($1 * 2654435761 + 7) & 0xffffffff )) b=$(( ($1 * 40503 + 11) & 0xffff ))
    local c=$(( ($1 * 9973 + 13) & 0xffff )) d=$(( ($1 * 65497 + 17) & 0xffff ))
    local e=$(( ($1 * 2246822519 + 19) & 0xffffffffffff ))
    printf '%08x-%04x-%04x-%04x-%012x' "$a" "$b" "$c" "$d" "$e"
}

categories=("Connectivity" "IoT SIM Plans" "Device Management" "Security" "Analytics"
            "Location Services" "Private Networks" "eSIM Profiles" "Support Plans"
            "Professional Services" "Hardware" "Satellite")
vendors=("KORE Wireless" "Telit" "Sierra Wireless" "Quectel" "u-blox" "Thales")
{
    printf '['
    n=0
    for ci in "${!categories[@]}"; do
        [ "$ci" -gt 0 ] && printf ','
        printf '\n  {\n    "categoryId": "%s",\n    "categoryName": "%s",\n    "products": [' \
            "$(uuid $((1000 + ci)))" "${categories[$ci]}"
        for pi in 0 1 2 3 4 5 6; do
            n=$((n + 1))
            v=$(( (ci + pi) % ${#vendors[@]} ))
            [ "$pi" -gt 0 ] && printf ','
            printf '\n      {\n        "productId": "%s",\n        "productName": "%s %02d",\n' \
                "$(uuid $n)" "${categories[$ci]}" "$((pi + 1))"
            printf '        "productDescription": "%s plan %d for fleets of connected devices, billed monthly.",\n' \
                "${categories[$ci]}" "$n"
            printf '        "productVendorName": "%s",\n        "productVendorId": "%s"\n      }' \
                "${vendors[$v]}" "$(uuid $((500 + v)))"
        done
        printf '\n    ]\n  }'
    done
    printf '\n]\n'
} > "$dir/products.json"

# The documentation's sample deal summary, the same bytes hit_path_bench measures.
cp "$(dirname "$0")/data/deal.json" "$dir/deal.json"
