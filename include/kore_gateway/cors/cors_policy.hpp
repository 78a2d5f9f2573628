// The CORS rules of CONTRACT.md section 7, built once from the configured origins.
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "kore_gateway/http/exchange.hpp"

namespace kore_gateway {

class cors_policy {
public:
    // origins: {"*"} or exact origins such as "https://app.example.com". client_auth: some
    // route requires client authentication, so pages may send Authorization and read
    // WWW-Authenticate (CONTRACT.md section 17).
    explicit cors_policy(const std::vector<std::string>& origins, bool client_auth = false);

    enum class verdict { no_origin, allowed, denied };
    verdict check(std::string_view origin) const;

    // Headers of a successful preflight for a route allowing `methods` (e.g. "GET").
    void answer_preflight(response& res, std::string_view origin, std::string_view methods) const;

    // Headers every answer gets: Access-Control-Allow-Origin and Expose-Headers for an allowed
    // origin, and Vary: Origin whenever the answer depends on the origin (an allowlist).
    void decorate(response& res, std::string_view origin) const;

private:
    bool any_origin_;
    std::unordered_set<std::string> origins_;
    std::string_view allowed_headers_;
    std::string_view exposed_headers_;
};

// An OPTIONS request carrying Origin and Access-Control-Request-Method.
bool is_preflight(const request& req);

} // namespace kore_gateway
