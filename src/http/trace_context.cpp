#include "kore_gateway/http/trace_context.hpp"

#include <algorithm>
#include <charconv>
#include <utility>

#include "kore_gateway/util/ascii.hpp"
#include "kore_gateway/util/ids.hpp"

namespace kore_gateway {
namespace {

constexpr std::size_t traceparent_size = 55; // "vv-" + 32 + "-" + 16 + "-" + "ff"

// The specification's HEXDIGLC: upper-case digits make the whole header invalid.
bool is_lower_hex(std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool is_all_zero(std::string_view s) {
    return s.find_first_not_of('0') == std::string_view::npos;
}

// A valid id: the right number of lower-case hex digits, not all zero.
bool is_id(std::string_view s) {
    return is_lower_hex(s) && !is_all_zero(s);
}

// A fresh string per attempt, never assigned over: GCC 12, inlining by a profile, reported the
// move assignment of a retry as an out-of-bounds copy (-Warray-bounds, a false positive).
std::string random_nonzero_hex(std::size_t digits) {
    for (;;) {
        auto id = random_id();
        id.resize(digits);
        if (!is_all_zero(id)) {
            return id;
        }
    }
}

} // namespace

std::optional<trace_parent> parse_traceparent(std::string_view value) {
    value = trim_ows(value);
    if (value.size() < traceparent_size) {
        return std::nullopt;
    }
    const auto version = value.substr(0, 2);
    if (!is_lower_hex(version) || version == "ff") {
        return std::nullopt;
    }
    // Only a later version may add fields, and only after a dash.
    if (value.size() > traceparent_size && (version == "00" || value[traceparent_size] != '-')) {
        return std::nullopt;
    }
    if (value[2] != '-' || value[35] != '-' || value[52] != '-') {
        return std::nullopt;
    }
    trace_parent parsed{std::string(value.substr(3, 32)), std::string(value.substr(36, 16)), 0};
    const auto flags = value.substr(53, 2);
    if (!is_id(parsed.trace_id) || !is_id(parsed.parent_id) || !is_lower_hex(flags)) {
        return std::nullopt;
    }
    std::from_chars(flags.data(), flags.data() + flags.size(), parsed.flags, 16);
    return parsed;
}

std::string format_traceparent(std::string_view trace_id, std::string_view span_id,
                               std::uint8_t flags) {
    static constexpr std::string_view digits = "0123456789abcdef";
    std::string out;
    out.reserve(traceparent_size);
    out.append("00-").append(trace_id).append("-").append(span_id).append("-");
    out += digits[flags >> 4];
    out += digits[flags & 0xF];
    return out;
}

std::string new_trace_id() {
    return random_nonzero_hex(32);
}

std::string new_span_id() {
    return random_nonzero_hex(16);
}

request_trace continue_trace(std::string_view traceparent, std::string_view tracestate,
                             std::string fresh_id) {
    if (auto incoming = parse_traceparent(traceparent)) {
        return {std::move(incoming->trace_id), incoming->flags, std::string(trim_ows(tracestate))};
    }
    return {fresh_id.empty() ? new_trace_id() : std::move(fresh_id), 0, {}};
}

std::string upstream_traceparent(const request_trace& trace) {
    return format_traceparent(trace.trace_id, new_span_id(), trace.flags);
}

} // namespace kore_gateway
