// The gateway's own endpoints (CONTRACT.md sections 3, 12 and 14): health, readiness, metrics,
// the OpenAPI document and the admin calls. Fixed paths, looked up before the route table, whose
// loader refuses routes that would shadow them.
#pragma once

#include <string_view>

#include "kore_gateway/net.hpp"

namespace kore_gateway {

enum class local_endpoint { healthz, readyz, metrics, openapi, admin_cache_purge, admin_reload };

struct local_match {
    enum class outcome { matched, not_found, method_not_allowed };
    outcome result = outcome::not_found;
    local_endpoint endpoint = local_endpoint::healthz; // unless not_found
    std::string_view name;                             // unless not_found: the route label
    std::string_view allow;                            // unless not_found: "GET, HEAD" or "POST"
};

// path excludes the query string.
local_match match_local_endpoint(http::verb method, std::string_view path);

} // namespace kore_gateway
