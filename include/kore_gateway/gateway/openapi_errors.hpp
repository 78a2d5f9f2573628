// The error answers the OpenAPI document lists (CONTRACT.md sections 8, 15 and 17): each one's
// status and description, which of them a request can get, and the error body's schema.
#pragma once

#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "kore_gateway/config/route_table.hpp"
#include "kore_gateway/gateway/openapi.hpp"
#include "kore_gateway/http/json_error.hpp"

namespace kore_gateway::openapi_errors {

// One documented error answer: the status, the section 8 `error` words it carries and when.
struct error_answer {
    http::status status;
    std::string_view description;
    std::string_view header = {}; // a header it carries besides X-Request-Id
};

inline constexpr error_answer malformed{errors::bad_request.status,
                                        "bad_request: the request is malformed (framing, Host)."};
inline constexpr error_answer invalid_input{
    errors::bad_request.status,
    "bad_request: a path or query parameter, or the body, is not valid; `errors` lists each "
    "failing place of the body."};
inline constexpr error_answer admin_unauthorized{
    errors::unauthorized.status, "unauthorized: the admin bearer token is missing or wrong.",
    "WWW-Authenticate"};
inline constexpr error_answer reload_refused{
    errors::bad_request.status,
    "bad_request: the new configuration is not valid; `message` says why, and nothing changed."};
inline constexpr error_answer client_unauthorized{
    errors::unauthorized.status,
    "unauthorized: no credentials, or ones that are not valid, were sent in the Bearer scheme.",
    "WWW-Authenticate"};
inline constexpr error_answer client_forbidden{
    errors::forbidden.status,
    "forbidden: the client may not call this route, or lacks a required scope.",
    "WWW-Authenticate"};
inline constexpr error_answer client_rate_limited{
    errors::rate_limited.status,
    "rate_limited: the authenticated client is over its own rate limit.", "Retry-After"};
inline constexpr error_answer payload_too_large{
    errors::payload_too_large.status, "payload_too_large: the body is over the size limit."};
inline constexpr error_answer unsupported_media_type{
    http::status::unsupported_media_type,
    "unsupported_media_type: the body's Content-Type is not a JSON media type."};
inline constexpr error_answer rate_limited{errors::rate_limited.status,
                                           "rate_limited: the client is over its request rate.",
                                           "Retry-After"};
inline constexpr error_answer headers_too_large{
    errors::headers_too_large.status, "headers_too_large: the request headers are over the limit."};
inline constexpr error_answer bad_gateway{
    errors::upstream_unavailable.status,
    "upstream_unavailable, upstream_auth_failed or upstream_invalid_response: the upstream API "
    "could not be reached, refused the gateway's credentials, or did not answer JSON."};
inline constexpr error_answer circuit_open{
    http::status::service_unavailable,
    "upstream_unavailable: the upstream API keeps failing and is left alone for a while (its "
    "circuit is open).",
    "Retry-After"};
inline constexpr error_answer gateway_timeout{
    errors::upstream_timeout.status, "upstream_timeout: the upstream API did not answer in time."};
inline constexpr error_answer not_ready{
    errors::not_ready.status, "not_ready: an upstream API has no usable token yet, or the JWT "
                              "client authentication has no keys (JWKS) yet; `message` says why."};
inline constexpr error_answer no_jwks{
    errors::not_ready.status,
    "not_ready: the identity provider's keys (JWKS) were never fetched, so no JWT can be checked."};

// Errors any request can get before its route is known: the session's limits and the per-IP
// rate limit (CONTRACT.md section 17, order of checks).
std::vector<error_answer> common_errors(const openapi_inputs& inputs);

// Every error a route row can answer.
std::vector<error_answer> route_errors(const route_row& row, const openapi_inputs& inputs);

// Section 8's error body, components/schemas/error.
nlohmann::ordered_json error_schema();

} // namespace kore_gateway::openapi_errors
