// The typed, immutable configuration: built once at start-up by config_loader and shared by
// reference. Defaults are those of CONTRACT.md section 2.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kore_gateway/util/url.hpp"

namespace kore_gateway {

// An OAuth2 client-credentials set; one token is kept per set.
struct client_credentials {
    url token_url;
    std::string client_id;
    std::string client_secret;
    std::string scope; // empty: no scope parameter is sent
};

// One upstream API (KORE or Catalog).
struct upstream_config {
    std::string name; // "kore" or "catalog": used in logs, metrics and readiness reasons
    url base_url;
    std::string api_key;     // empty: no X-Api-Key header
    std::string api_version; // empty: no X-Api-Version header
    std::optional<client_credentials> auth;
};

struct gateway_config {
    // Listener.
    std::string listen_address = "127.0.0.1";
    std::uint16_t port = 8080;
    unsigned threads = 0; // resolved by the loader: 0 becomes the hardware concurrency
    std::string log_level = "info";
    std::size_t max_connections = 10000;
    double rate_limit_rps = 0; // 0 = off

    // Client side limits and timeouts.
    std::size_t max_body_bytes = 1048576;
    std::size_t max_header_bytes = 16384;
    std::chrono::milliseconds request_read_timeout{10000}; // a whole request must arrive in this
    std::chrono::milliseconds idle_timeout{60000};         // keep-alive connection with no request
    std::chrono::milliseconds drain_timeout{10000};        // shutdown bound for in-flight requests

    // Upstreams.
    std::string ca_file; // empty: system CAs only
    bool allow_insecure_upstream = false;
    std::chrono::milliseconds upstream_timeout{10000};
    std::size_t upstream_pool_size = 64;                        // connections kept per upstream origin
    std::size_t upstream_max_response_bytes = 16 * 1024 * 1024; // larger: upstream_invalid_response
    std::optional<upstream_config> kore;
    std::optional<upstream_config> catalog;

    // Cache.
    std::chrono::seconds catalog_ttl{300};
    std::chrono::seconds deals_ttl{0};
    std::chrono::seconds stale_if_error{600};
    std::size_t cache_max_bytes = 67108864;

    // CORS: {"*"} or a list of exact origins.
    std::vector<std::string> cors_origins{"*"};

    // Admin: empty = /admin/* disabled (404).
    std::string admin_token;
};

} // namespace kore_gateway
