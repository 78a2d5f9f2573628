// Route rows and generated documents for the OpenAPI tests (openapi_test.cpp and
// openapi_security_test.cpp).
#pragma once

#include <chrono>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "kore_gateway/gateway/openapi.hpp"

namespace kore_gateway::testing {

// An upstream route with the given name, method, path and path parameters; everything else empty.
inline route_row row(std::string name, http::verb method, std::string path,
                     std::vector<path_param_rule> params = {}) {
    route_row r;
    r.name = std::move(name);
    r.method = method;
    r.path = std::move(path);
    r.params = std::move(params);
    r.upstream = "catalog";
    r.upstream_method = method;
    r.upstream_path = "/v1/things";
    return r;
}

inline constexpr client_auth_mode no_client_auth{};
inline constexpr client_auth_mode api_key_auth{.api_key = true};
inline constexpr client_auth_mode jwt_auth{.jwt = true};
inline constexpr client_auth_mode either_auth{.api_key = true, .jwt = true};

inline route_row cached(route_row r) {
    r.cache_ttl = std::chrono::seconds(300);
    return r;
}

// The parsed document of a table of rows.
inline nlohmann::json document(std::vector<route_row> rows, openapi_inputs inputs = {}) {
    return nlohmann::json::parse(make_openapi(route_table(std::move(rows)), inputs));
}

// The status keys of an operation's responses.
inline std::set<std::string> statuses(const nlohmann::json& operation) {
    std::set<std::string> keys;
    for (const auto& [status, response] : operation.at("responses").items()) {
        keys.insert(status);
    }
    return keys;
}

} // namespace kore_gateway::testing
