#include "kore_gateway/gateway/local_endpoints.hpp"

#include <array>

namespace kore_gateway {
namespace {

struct endpoint_row {
    local_endpoint endpoint;
    std::string_view name; // metrics label and log field
    std::string_view path;
    http::verb method; // GET endpoints answer HEAD too
};

constexpr std::array<endpoint_row, 6> endpoints{{
    {local_endpoint::healthz, "healthz", "/healthz", http::verb::get},
    {local_endpoint::readyz, "readyz", "/readyz", http::verb::get},
    {local_endpoint::metrics, "metrics", "/metrics", http::verb::get},
    {local_endpoint::openapi, "openapi", "/openapi.json", http::verb::get},
    {local_endpoint::admin_cache_purge, "admin_cache_purge", "/admin/cache/purge",
     http::verb::post},
    {local_endpoint::admin_reload, "admin_reload", "/admin/reload", http::verb::post},
}};

} // namespace

local_match match_local_endpoint(http::verb method, std::string_view path) {
    for (const auto& row : endpoints) {
        if (row.path != path) {
            continue;
        }
        const bool is_get = row.method == http::verb::get;
        const bool allowed = method == row.method || (is_get && method == http::verb::head);
        return {allowed ? local_match::outcome::matched : local_match::outcome::method_not_allowed,
                row.endpoint, row.name, is_get ? "GET, HEAD" : "POST"};
    }
    return {};
}

} // namespace kore_gateway
