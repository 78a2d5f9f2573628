// The typed, immutable configuration: built once at start-up by config_loader and shared by
// reference. Defaults are those of CONTRACT.md section 2.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "kore_gateway/util/url.hpp"

namespace kore_gateway {

// How the client authenticates to the token endpoint (RFC 6749 section 2.3.1).
enum class client_auth_method {
    body,  // client_id and client_secret in the form, as KORE documents
    basic, // HTTP Basic with the form-urlencoded id and secret; the form carries neither
};

// An OAuth2 client-credentials set; one token is kept per set.
struct client_credentials {
    url token_url;
    std::string client_id;
    std::string client_secret;
    std::string scope; // empty: no scope parameter is sent
    // The members below have initializers so that {url, id, secret, scope} still builds a set
    // without -Wmissing-field-initializers.
    std::string audience{}; // empty: no audience parameter is sent
    std::string resource{}; // empty: no resource parameter is sent (RFC 8707)
    client_auth_method client_auth = client_auth_method::body;
};

// One upstream API: kore, catalog or one the config file names.
struct upstream_config {
    std::string name; // [a-z][a-z0-9_]{0,31}: used in logs, metrics and readiness reasons
    url base_url;
    std::string api_key;                      // empty: no API key header
    std::string api_key_header = "X-Api-Key"; // the header api_key travels in
    std::string api_version;                  // empty: no X-Api-Version header
    std::optional<client_credentials> auth;
    // Overrides of gateway_config::upstream_timeout and upstream_pool_size; empty: those apply.
    // Kept as overrides rather than copies so that a later change of the global values (tests
    // adjust a config after its upstreams are set) still reaches the upstreams without one.
    std::optional<std::chrono::milliseconds> timeout{};
    std::optional<std::size_t> pool_size{};
};

// What a caller must present to use an upstream route (CONTRACT.md section 17): nothing, an API
// key of the file's "clients", a JWT verified against the JWKS, or either of the two.
struct client_auth_mode {
    bool api_key = false;
    bool jwt = false;

    bool required() const { return api_key || jwt; }
    bool operator==(const client_auth_mode&) const = default;
};

// One API-key client of the file's "clients" (CONTRACT.md section 17).
struct api_client {
    std::string id;                                   // [A-Za-z0-9_.-]{1,64}: log and metrics label
    std::string key_sha256;                           // 64 lower-case hex digits; never the key
    std::optional<std::vector<std::string>> routes{}; // route names it may call; nullopt: all
    std::vector<std::string> scopes{}; // checked like a JWT's against required_scopes
    double rate_limit_rps = 0;         // 0: the per-IP limit applies
};

// Where JWTs come from and what they must say (CONTRACT.md section 17).
struct jwt_settings {
    std::optional<url> jwks_url; // https (http only with allow_insecure_upstream)
    std::string issuer;
    std::string audience;
    std::chrono::seconds leeway{60};

    bool configured() const { return jwks_url && !issuer.empty() && !audience.empty(); }
};

struct gateway_config {
    // Listener.
    std::string listen_address = "127.0.0.1";
    std::uint16_t port = 8080;
    unsigned threads = 0;      // resolved by the loader: 0 becomes the hardware concurrency
    bool cpu_affinity = false; // each I/O thread on a CPU of its own (nginx's worker_cpu_affinity)
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
    std::size_t upstream_pool_size = 64; // connections kept per upstream origin
    std::size_t upstream_max_response_bytes = 16 * 1024 * 1024; // larger: upstream_invalid_response
    // The configured upstreams (those with a URL), sorted by name.
    std::vector<upstream_config> upstreams;
    // Every declared upstream, configured or not: kore, catalog and each key of the file's
    // "upstreams". A route may name any of them; one without a URL answers 502.
    std::set<std::string, std::less<>> upstream_names{"catalog", "kore"};

    // Routes: the file's "routes" value as it was written, null when absent (parsed by the route
    // table, not by the loader).
    nlohmann::json routes_source;

    // Cache.
    std::chrono::seconds catalog_ttl{300};
    std::chrono::seconds deals_ttl{0};
    std::chrono::seconds stale_if_error{600};
    std::size_t cache_max_bytes = 67108864;

    // CORS: {"*"} or a list of exact origins.
    std::vector<std::string> cors_origins{"*"};

    // Admin: empty = /admin/* disabled (404).
    std::string admin_token;

    // Client authentication (CONTRACT.md section 17).
    client_auth_mode client_auth; // of upstream routes without their own client_auth
    bool metrics_auth = true;     // /metrics follows client_auth; false: "metrics_auth": "none"
    jwt_settings jwt;
    std::vector<api_client> clients; // sorted by id

    // Operations (CONTRACT.md section 15).
    std::string log_format = "text"; // "text" or "json"
    unsigned circuit_failures = 5;   // consecutive failures that open a circuit; 0 = off
    std::chrono::milliseconds circuit_open{5000};

    // Replicas (CONTRACT.md section 13): the shared tier. An empty URL: one process, nothing
    // shared. The URL is checked by parse_redis_url when loaded.
    std::string redis_url;
    std::string redis_password;
    std::chrono::milliseconds redis_timeout{50}; // one request's Redis commands together
    std::string redis_key_prefix = "kore-gateway:";

    // The configured upstream of that name; null when it is not declared or has no URL.
    const upstream_config* find_upstream(std::string_view name) const {
        const auto it = std::lower_bound(
            upstreams.begin(), upstreams.end(), name,
            [](const upstream_config& u, std::string_view n) { return u.name < n; });
        return it != upstreams.end() && it->name == name ? &*it : nullptr;
    }
    upstream_config* find_upstream(std::string_view name) {
        return const_cast<upstream_config*>(std::as_const(*this).find_upstream(name));
    }

    // Adds upstream (or replaces the one of its name), keeping upstreams sorted, and declares
    // its name: for configurations built in code (demo mode, tests).
    void set_upstream(upstream_config upstream) {
        upstream_names.insert(upstream.name);
        if (auto* existing = find_upstream(upstream.name)) {
            *existing = std::move(upstream);
            return;
        }
        const auto at = std::upper_bound(
            upstreams.begin(), upstreams.end(), upstream.name,
            [](const std::string& n, const upstream_config& u) { return n < u.name; });
        upstreams.insert(at, std::move(upstream));
    }
};

} // namespace kore_gateway
