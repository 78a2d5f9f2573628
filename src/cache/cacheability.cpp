#include "kore_gateway/cache/cacheability.hpp"

#include <algorithm>
#include <stdexcept>

#include <openssl/evp.h>

#include "kore_gateway/util/ascii.hpp"
#include "kore_gateway/util/hex.hpp"

namespace kore_gateway {
namespace {

std::string_view opaque_tag(std::string_view etag) {
    if (etag.starts_with("W/")) {
        etag.remove_prefix(2);
    }
    return etag;
}

} // namespace

std::optional<std::string_view> find_cache_directive(std::string_view value,
                                                     std::string_view name) {
    std::size_t i = 0;
    while (i < value.size()) {
        const auto start = i;
        while (i < value.size() && value[i] != ',' && value[i] != '=') {
            ++i;
        }
        const bool found = iequals_ascii(trim_ows(value.substr(start, i - start)), name);
        std::string_view argument;
        if (i < value.size() && value[i] == '=') {
            const auto argument_start = ++i;
            while (i < value.size() && is_ows(value[i])) {
                ++i;
            }
            if (i < value.size() && value[i] == '"') {
                for (++i; i < value.size() && value[i] != '"'; ++i) {
                    if (value[i] == '\\') {
                        ++i;
                    }
                }
            }
            i = std::min(i, value.size());
            while (i < value.size() && value[i] != ',') {
                ++i;
            }
            argument = trim_ows(value.substr(argument_start, i - argument_start));
        }
        if (found) {
            return argument;
        }
        ++i;
    }
    return std::nullopt;
}

bool is_storable(unsigned status, std::string_view cache_control) {
    return status == 200 && !find_cache_directive(cache_control, "no-store") &&
           !find_cache_directive(cache_control, "private");
}

std::string make_etag(std::string_view body) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(body.data(), body.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("SHA-256 digest failed");
    }
    // 128 bits keep collisions out of reach while halving the header.
    constexpr std::size_t kept = 16;
    std::string etag(2 * kept + 2, '"'); // the digits go between the quotes
    write_hex_lower(std::span<const unsigned char>(digest, kept), etag.data() + 1);
    return etag;
}

bool if_none_match_matches(std::string_view if_none_match, std::string_view etag) {
    const auto target = opaque_tag(etag);
    if (target.empty()) {
        return false;
    }
    const auto list = trim_ows(if_none_match);
    if (list == "*") {
        return true;
    }
    std::size_t i = 0;
    for (;;) {
        // RFC 9110 section 5.6.1: recipients accept empty list elements.
        while (i < list.size() && (is_ows(list[i]) || list[i] == ',')) {
            ++i;
        }
        if (i == list.size()) {
            return false;
        }
        const auto start = i;
        if (list.substr(i).starts_with("W/")) {
            i += 2;
        }
        if (i == list.size() || list[i] != '"') {
            return false;
        }
        const auto close = list.find('"', i + 1);
        if (close == std::string_view::npos) {
            return false;
        }
        if (opaque_tag(list.substr(start, close + 1 - start)) == target) {
            return true;
        }
        i = close + 1;
        while (i < list.size() && is_ows(list[i])) {
            ++i;
        }
        if (i < list.size() && list[i] != ',') {
            return false;
        }
    }
}

} // namespace kore_gateway
