// Error answers in the shape of KORE's own errors (CONTRACT.md section 8).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "kore_gateway/http/exchange.hpp"

namespace kore_gateway {

// One row of the contract's error table: the status and the machine-readable `error` word.
struct error_kind {
    http::status status;
    std::string_view code;
};

namespace errors {
inline constexpr error_kind bad_request{http::status::bad_request, "bad_request"};
inline constexpr error_kind unauthorized{http::status::unauthorized, "unauthorized"};
inline constexpr error_kind forbidden{http::status::forbidden, "forbidden"};
inline constexpr error_kind not_found{http::status::not_found, "not_found"};
inline constexpr error_kind method_not_allowed{http::status::method_not_allowed,
                                               "method_not_allowed"};
inline constexpr error_kind payload_too_large{http::status::payload_too_large, "payload_too_large"};
inline constexpr error_kind unsupported_media_type{http::status::unsupported_media_type,
                                                   "unsupported_media_type"};
inline constexpr error_kind rate_limited{http::status::too_many_requests, "rate_limited"};
inline constexpr error_kind headers_too_large{http::status::request_header_fields_too_large,
                                              "headers_too_large"};
inline constexpr error_kind upstream_unavailable{http::status::bad_gateway, "upstream_unavailable"};
// The upstream's circuit is open (CONTRACT.md section 15): answered at once, with Retry-After.
inline constexpr error_kind upstream_circuit_open{http::status::service_unavailable,
                                                  "upstream_unavailable"};
inline constexpr error_kind upstream_auth_failed{http::status::bad_gateway, "upstream_auth_failed"};
inline constexpr error_kind upstream_invalid_response{http::status::bad_gateway,
                                                      "upstream_invalid_response"};
inline constexpr error_kind upstream_timeout{http::status::gateway_timeout, "upstream_timeout"};
// A transfer coding before the final chunked that the gateway does not decode (CONTRACT.md 16).
inline constexpr error_kind not_implemented{http::status::not_implemented, "not_implemented"};
// /readyz while an upstream has no usable token yet.
inline constexpr error_kind not_ready{http::status::service_unavailable, "not_ready"};
} // namespace errors

// The JSON body: {"id":null,"error_id":..,"error":..,"message":..,"link":null,"errors":[..]};
// details, when given, is the errors array (one {"pointer", "message"} per failing member).
std::string error_body(const error_kind& kind, std::string_view message, std::string_view error_id,
                       const nlohmann::ordered_json& details = nlohmann::ordered_json::array());

// A complete error response: JSON body, Content-Type and Cache-Control: no-store. The caller keeps
// error_id to put it in the request's log line.
response
make_error_response(const error_kind& kind, std::string_view message, std::string_view error_id,
                    const nlohmann::ordered_json& details = nlohmann::ordered_json::array());

} // namespace kore_gateway
