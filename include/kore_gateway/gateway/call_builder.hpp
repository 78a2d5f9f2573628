// A matched request checked against its route row before anything reaches an upstream
// (CONTRACT.md sections 10 and 11): the query against the row's rules, a write's media type and
// body against its schema, and the row's forward_headers picked from the request.
#pragma once

#include <optional>
#include <string_view>

#include "kore_gateway/gateway/route_matcher.hpp"
#include "kore_gateway/gateway/route_outcome.hpp"
#include "kore_gateway/gateway/upstream_routes.hpp"

namespace kore_gateway {

// Fills call with what goes upstream, or returns the 400 / 415 answer that refuses it. req's body
// is moved into the call.
std::optional<route_outcome> build_upstream_call(route_lookup&& lookup, request& req,
                                                 std::string_view raw_query, upstream_call& call);

// application/json or any type with the +json suffix, parameters (charset, ...) allowed; an
// absent Content-Type counts as JSON, since the body is checked as JSON anyway.
bool is_json_media_type(std::string_view content_type);

} // namespace kore_gateway
