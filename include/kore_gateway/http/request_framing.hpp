// The checks a request's header must pass before its body is read (CONTRACT.md section 16, RFC
// 9112 sections 3.2 and 6): one unambiguous body length, and exactly one Host in HTTP/1.1. A
// request that fails them cannot be trusted to end where its header says, so the session answers
// it and closes the connection: its body bytes must never be read as the next request.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "kore_gateway/net.hpp"

namespace kore_gateway {

struct header_fault {
    http::status status; // 400, or 501 for a transfer coding the gateway does not implement
    std::string message; // for the error body: names the header, never echoes a long value
};

// nullopt when the header is acceptable.
std::optional<header_fault> check_request_header(const http::request_header<>& header);

// An absolute-form target ("http://host/path?q", RFC 9112 section 3.2.2) as the origin-form the
// routes know ("/path?q"); nullopt when target is not in absolute form.
std::optional<std::string> origin_form(std::string_view target);

// The Origin field of a request header the parser refused (too large, malformed, a body length
// over the limit), found in its raw bytes: the refusal still gets its CORS headers (CONTRACT.md
// section 15). Only the header part of bytes is looked at; empty when there is no Origin line,
// or more than one.
std::string_view origin_in_raw_header(std::string_view bytes);

// True when the request asks for "100 Continue" before it sends its body (RFC 9110 10.1.1).
bool expects_continue(const http::request_header<>& header);

} // namespace kore_gateway
