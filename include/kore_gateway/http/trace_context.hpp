// W3C Trace Context (https://www.w3.org/TR/trace-context/): parsing and writing traceparent, and
// what the gateway sends upstream (CONTRACT.md section 15).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kore_gateway {

struct trace_parent {
    std::string trace_id;  // 32 lower-case hex digits, not all zero
    std::string parent_id; // 16 lower-case hex digits, not all zero
    std::uint8_t flags = 0;
};

// A traceparent header value per section 3.2, after trimming spaces and tabs around it. Version
// 00 is exactly "00-<trace-id>-<parent-id>-<flags>"; a later version (not "ff") may carry more
// after a '-' at offset 55, which is ignored. Anything else, upper-case hex included, is nullopt.
std::optional<trace_parent> parse_traceparent(std::string_view value);

// A version 00 traceparent; the ids must already be lower-case hex of the right lengths.
std::string format_traceparent(std::string_view trace_id, std::string_view span_id,
                               std::uint8_t flags);

// Fresh ids from util/ids.hpp's random_id(): lower-case hex, never all zero.
std::string new_trace_id(); // 32 digits
std::string new_span_id();  // 16 digits

// The trace one request belongs to: the client's, continued, or one the gateway started.
struct request_trace {
    std::string trace_id;   // 32 lower-case hex digits: also the access log's trace_id
    std::uint8_t flags = 0; // the client's trace flags; 00 for a trace the gateway started
    std::string tracestate; // passed on unchanged; empty: none is sent
};

// Continues a valid incoming trace with the incoming tracestate unchanged; otherwise starts a new
// trace (flags 00) and drops the tracestate, which belongs to the trace it came with. Pass an
// empty traceparent when the request had none, or had several (the W3C rules treat duplicates
// as invalid), and all tracestate fields joined with ','.
// fresh_id: the id of a trace the gateway starts, which must be a valid trace id (32 lower-case
// hex digits, not all zero): a random_id() drawn for another use, so that a request costs one
// random draw; empty: one is drawn.
request_trace continue_trace(std::string_view traceparent, std::string_view tracestate,
                             std::string fresh_id = {});

// The traceparent of an upstream request made for trace: its trace id and flags with a new span
// id of the gateway's. Made only when a request goes upstream, so a cache hit pays for no span.
std::string upstream_traceparent(const request_trace& trace);

} // namespace kore_gateway
