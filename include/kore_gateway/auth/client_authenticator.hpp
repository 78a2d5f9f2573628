// Who may call the gateway (CONTRACT.md section 17): API keys of the file's "clients" (SHA-256
// hashes, compared in constant time) and JWTs verified against the JWKS; per-client route
// allowlists, scopes and rate limits; and the 401/403 answers with their RFC 6750 challenges.
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kore_gateway/auth/jwks_source.hpp"
#include "kore_gateway/auth/jwt_verifier.hpp"
#include "kore_gateway/config/config.hpp"
#include "kore_gateway/gateway/route_outcome.hpp"
#include "kore_gateway/limits/rate_limiter.hpp"
#include "kore_gateway/util/clock.hpp"

namespace kore_gateway {

struct client_identity {
    std::string log_id;        // client_id of the access log: the key's id, the JWT's sub, or "jwt"
    std::string metrics_label; // the key's id, or "jwt"
};

enum class auth_refusal {
    none,                // allowed
    missing_credentials, // 401, challenge without error=
    invalid_credentials, // 401 error="invalid_token"
    route_not_allowed,   // 403 (a key client's "routes" lacks the route)
    insufficient_scope,  // 403 error="insufficient_scope", scope="<required>"
    keys_unavailable,    // 503 not_ready: jwt is the only way in and no JWKS was ever fetched
    rate_limited,        // 429 with Retry-After: the client's own rate_limit_rps
};

struct auth_result {
    auth_refusal refusal = auth_refusal::none;
    std::optional<client_identity> client; // whenever the credentials were valid (403/429 too)
    std::string reason;                    // for the log; never a key or a token
    std::string required_scope;          // insufficient_scope: the required scopes, space-separated
    std::chrono::seconds retry_after{0}; // rate_limited
};

// What one check is about: the mode to require, the route (for a key client's allowlist; empty:
// no allowlist applies, as for /metrics) and the scopes the route requires.
struct auth_demand {
    client_auth_mode mode;
    std::string_view route;
    const std::vector<std::string>* required_scopes = nullptr; // null: none
};

// Decides whether one request's Authorization header lets it through a route's client_auth, for
// one configuration snapshot (a reload builds a new one). Thread-safe: every I/O thread calls it.
// Keys, tokens and the reasons of refusals are never logged here: auth_result::reason is for the
// caller, at debug level at most, so that a flood of bad credentials cannot flood the log.
class client_authenticator {
public:
    using wall_clock_fn = std::function<std::chrono::system_clock::time_point()>;
    using done_fn = std::function<void(auth_result)>;

    // keys is null when no JWT is configured. clk drives the per-client rate limits, wall_now the
    // JWT time claims. Throws std::invalid_argument for a key_sha256 that is not 64 hex digits
    // (the loader refuses those first).
    client_authenticator(
        const gateway_config& config, std::shared_ptr<jwk_provider> keys, const clock& clk,
        wall_clock_fn wall_now = [] { return std::chrono::system_clock::now(); });

    client_authenticator(const client_authenticator&) = delete;
    client_authenticator& operator=(const client_authenticator&) = delete;

    // Calls done exactly once: at once for keys and JWTs with a known kid; later, from whatever
    // thread the JWKS refetch ends on, for a kid the current set lacks. Nothing of demand or
    // authorization is read after this returns, and the later call does not need this object.
    void authenticate(const auth_demand& demand, std::string_view authorization, done_fn done);

    // True when authorization carries the key of a client with its own rate_limit_rps, which
    // replaces the per-IP limit for it (CONTRACT.md section 17).
    bool has_own_rate_limit(std::string_view authorization) const;

private:
    struct key_client {
        api_client config;
        std::array<unsigned char, 32> key_digest;
        std::unique_ptr<rate_limiter> limiter; // null without rate_limit_rps
    };
    // What verifying a JWT needs, shared with the callbacks of pending JWKS refetches.
    struct jwt_verification {
        std::shared_ptr<jwk_provider> keys;
        jwt_expectations expected;
        wall_clock_fn wall_now;
    };

    const key_client* find_key_client(std::string_view credential) const;
    auth_result admit_key_client(const key_client& client, const auth_demand& demand) const;

    std::vector<key_client> clients_;
    std::shared_ptr<const jwt_verification> jwt_;
};

// The answer to a refused request: JSON error body (unauthorized / forbidden / rate_limited /
// not_ready) with WWW-Authenticate or Retry-After as section 17 says. Throws
// std::invalid_argument for auth_refusal::none, which is no refusal.
route_outcome refusal_outcome(const auth_result& refused);

} // namespace kore_gateway
