// The fields of a route entry about request targets (CONTRACT.md section 10): the path and
// upstream_path templates and the rules of "params" and "query". Used by parse_route.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "kore_gateway/config/route_fields.hpp"

namespace kore_gateway {

// The parameters of a path template in order, or nullopt after reporting each bad segment.
// local: the gateway's own path, where an empty segment or a repeated parameter is an error; an
// upstream path may have empty segments ("/api/items/") and use a parameter twice.
std::optional<std::vector<std::string>> template_field(const std::string& text, bool local,
                                                       std::string_view field,
                                                       route_problems& problems);

// Whether a route at path would take one of the gateway's own endpoints (/healthz, /readyz,
// /metrics, /openapi.json, /admin and below).
bool shadows_own_endpoint(std::string_view path);

// One rule per parameter of path (path_params; nullptr when the path was unusable), in path
// order; "params" may only name those parameters.
std::vector<path_param_rule> params_field(const nlohmann::json& entry,
                                          const std::vector<std::string>* path_params,
                                          route_problems& problems);

// The rules of "query", sorted by parameter name.
std::vector<query_rule> query_field(const nlohmann::json& entry, route_problems& problems);

} // namespace kore_gateway
