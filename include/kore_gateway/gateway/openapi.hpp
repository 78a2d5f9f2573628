// The OpenAPI 3.1 document of GET /openapi.json (CONTRACT.md section 12), generated from the
// route table in force and the gateway's own endpoints; it names no upstream.
#pragma once

#include <string>

#include "kore_gateway/config/config.hpp"
#include "kore_gateway/config/route_table.hpp"

namespace kore_gateway {

// What the document depends on besides the routes.
struct openapi_inputs {
    bool admin_enabled =
        false; // GATEWAY_ADMIN_TOKEN set: /admin/cache/purge and /admin/reload exist
    bool rate_limited = false;      // a rate limit is configured: 429 is possible
    client_auth_mode client_auth{}; // of upstream routes without their own client_auth
    bool metrics_auth = true;       // /metrics follows client_auth
    // GATEWAY_CIRCUIT_FAILURES > 0: an upstream route may answer 503 with Retry-After.
    bool circuit_breaker = false;
};

// The document as compact JSON, rendered once per route table (the dispatcher keeps the string).
std::string make_openapi(const route_table& routes, const openapi_inputs& inputs);

} // namespace kore_gateway
