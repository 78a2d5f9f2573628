// Character classes and comparisons of the syntaxes the gateway checks (path parameters, request
// ids, host names, tokens, form encoding, header values): ASCII only, whatever the process locale.
#pragma once

#include <algorithm>
#include <string_view>

namespace kore_gateway {

constexpr bool is_ascii_alnum(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// Optional white space of HTTP (RFC 9110 section 5.6.3): spaces and tabs.
constexpr bool is_ows(char c) {
    return c == ' ' || c == '\t';
}

// text without the spaces and tabs around it.
constexpr std::string_view trim_ows(std::string_view text) {
    while (!text.empty() && is_ows(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_ows(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

// ASCII case-insensitive equality. Not beast::iequals: in Boost 1.81, once two strings differ only
// in case it reads one byte past the end of both (found by tests/fuzz/fuzz_cache_key).
constexpr bool iequals_ascii(std::string_view l, std::string_view r) {
    const auto lower = [](char c) {
        return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    };
    return std::equal(l.begin(), l.end(), r.begin(), r.end(),
                      [&lower](char x, char y) { return lower(x) == lower(y); });
}

} // namespace kore_gateway
