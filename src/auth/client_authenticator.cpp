#include "kore_gateway/auth/client_authenticator.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include <boost/algorithm/hex.hpp>
#include <boost/algorithm/string/join.hpp>
#include <openssl/crypto.h>

#include "kore_gateway/http/bearer.hpp"
#include "kore_gateway/util/sha256.hpp"

namespace kore_gateway {

namespace {

using scope_list = std::vector<std::string>;

auth_result result_of(auth_refusal why, std::string reason,
                      std::optional<client_identity> client = std::nullopt) {
    auth_result result;
    result.refusal = why;
    result.client = std::move(client);
    result.reason = std::move(reason);
    return result;
}

// Every required scope must be granted; null means the route requires none.
bool grants_all(const scope_list& granted, const scope_list* required) {
    return required == nullptr ||
           std::all_of(required->begin(), required->end(), [&](const std::string& scope) {
               return std::find(granted.begin(), granted.end(), scope) != granted.end();
           });
}

// The scope check both kinds of clients share; allowed (with the client) when it passes.
auth_result check_scopes(const scope_list& granted, const scope_list* required,
                         client_identity client) {
    if (grants_all(granted, required)) {
        return result_of(auth_refusal::none, {}, std::move(client));
    }
    auto result = result_of(auth_refusal::insufficient_scope, "a required scope is missing",
                            std::move(client));
    result.required_scope = boost::algorithm::join(*required, " ");
    return result;
}

// A JWS in compact form is three base64url parts: anything else cannot be one, so a wrong API key
// is not worth a JWT verification.
bool looks_like_jwt(std::string_view credential) {
    return std::count(credential.begin(), credential.end(), '.') == 2;
}

// The answer for a verified (or refused) token. unknown_kid here means the kid stayed unknown
// after the one refetch it was allowed.
// No JWKS was ever fetched. With API keys accepted too the route is usable, and this credential
// is simply wrong; with JWTs alone nobody can get in until the JWKS arrives (section 17).
auth_result no_keys_result(client_auth_mode mode) {
    return mode.api_key ? result_of(auth_refusal::invalid_credentials, "JWT: no JWKS fetched yet")
                        : result_of(auth_refusal::keys_unavailable, "JWT: no JWKS fetched yet");
}

auth_result judge_token(const jwt_check& check, const scope_list* required) {
    if (check.status != jwt_status::valid) {
        return result_of(auth_refusal::invalid_credentials, "JWT: " + check.reason);
    }
    const auto& sub = check.claims.sub;
    return check_scopes(check.claims.scopes, required, {sub.empty() ? "jwt" : sub, "jwt"});
}

std::array<unsigned char, 32> digest_of_hex(const api_client& client) {
    std::array<unsigned char, 32> digest{};
    if (client.key_sha256.size() != 2 * digest.size()) {
        throw std::invalid_argument("client " + client.id + ": key_sha256 is not 64 hex digits");
    }
    try {
        boost::algorithm::unhex(client.key_sha256.begin(), client.key_sha256.end(), digest.begin());
    } catch (const boost::algorithm::hex_decode_error&) {
        throw std::invalid_argument("client " + client.id + ": key_sha256 is not 64 hex digits");
    }
    return digest;
}

} // namespace

client_authenticator::client_authenticator(const gateway_config& config,
                                           std::shared_ptr<jwk_provider> keys, const clock& clk,
                                           wall_clock_fn wall_now)
    : jwt_(std::make_shared<const jwt_verification>(
          jwt_verification{std::move(keys),
                           {config.jwt.issuer, config.jwt.audience, config.jwt.leeway},
                           std::move(wall_now)})) {
    clients_.reserve(config.clients.size());
    for (const auto& client : config.clients) {
        auto limiter = client.rate_limit_rps > 0
                           ? std::make_unique<rate_limiter>(client.rate_limit_rps, clk)
                           : nullptr;
        clients_.push_back({client, digest_of_hex(client), std::move(limiter)});
    }
}

void client_authenticator::authenticate(const auth_demand& demand, std::string_view authorization,
                                        done_fn done) {
    if (!demand.mode.required()) {
        done({});
        return;
    }
    const auto credential = bearer_credentials(authorization);
    if (!credential) {
        done(result_of(auth_refusal::missing_credentials,
                       authorization.empty() ? "no Authorization header"
                                             : "Authorization without a Bearer credential"));
        return;
    }
    if (demand.mode.api_key) {
        if (const auto* client = find_key_client(*credential)) {
            done(admit_key_client(*client, demand));
            return;
        }
    }
    if (!demand.mode.jwt || !looks_like_jwt(*credential)) {
        done(result_of(auth_refusal::invalid_credentials,
                       demand.mode.jwt ? "neither a known API key nor a JWT" : "unknown API key"));
        return;
    }

    const auto set = jwt_->keys ? jwt_->keys->keys() : nullptr;
    if (!jwt_->keys) {
        done(no_keys_result(demand.mode));
        return;
    }
    if (set) {
        const auto check = verify_jwt(*credential, *set, jwt_->expected, jwt_->wall_now());
        if (check.status != jwt_status::unknown_kid) {
            done(judge_token(check, demand.required_scopes));
            return;
        }
    }
    // A key rotated in at the identity provider, or no set yet (the start-up fetch may still be
    // under way): wait for one fetch (rate-limited by the provider), then verify once more. The
    // callback owns copies of all it reads, as it may outlive both the request's route table and
    // this snapshot.
    std::optional<scope_list> required;
    if (demand.required_scopes != nullptr) {
        required = *demand.required_scopes;
    }
    jwt_->keys->refresh_for_unknown_kid([jwt = jwt_, token = std::string(*credential),
                                         mode = demand.mode, required = std::move(required),
                                         done = std::move(done)] {
        const auto refreshed = jwt->keys->keys();
        if (!refreshed) {
            return done(no_keys_result(mode));
        }
        const auto again = verify_jwt(token, *refreshed, jwt->expected, jwt->wall_now());
        done(judge_token(again, required ? &*required : nullptr));
    });
}

bool client_authenticator::has_own_rate_limit(std::string_view authorization) const {
    const auto credential = bearer_credentials(authorization);
    if (!credential) {
        return false;
    }
    const auto* client = find_key_client(*credential);
    return client != nullptr && client->limiter != nullptr;
}

// Compares the key's digest with every client's, without stopping at a match, so that the time
// taken says nothing about which client (if any) matched.
const client_authenticator::key_client*
client_authenticator::find_key_client(std::string_view credential) const {
    const auto digest = sha256(credential);
    const key_client* found = nullptr;
    for (const auto& client : clients_) {
        if (CRYPTO_memcmp(digest.data(), client.key_digest.data(), digest.size()) == 0) {
            found = &client;
        }
    }
    return found;
}

auth_result client_authenticator::admit_key_client(const key_client& client,
                                                   const auth_demand& demand) const {
    client_identity who{client.config.id, client.config.id};
    const auto& routes = client.config.routes;
    if (!demand.route.empty() && routes &&
        std::find(routes->begin(), routes->end(), demand.route) == routes->end()) {
        return result_of(auth_refusal::route_not_allowed, "the client may not call this route",
                         std::move(who));
    }
    auto result = check_scopes(client.config.scopes, demand.required_scopes, std::move(who));
    if (result.refusal != auth_refusal::none || !client.limiter) {
        return result;
    }
    // Keyed by the client id: one bucket per client, whatever address it calls from.
    if (const auto decision = client.limiter->admit(client.config.id); !decision.allowed) {
        result.refusal = auth_refusal::rate_limited;
        result.reason = "the client's request rate limit is exceeded";
        result.retry_after = decision.retry_after;
    }
    return result;
}

} // namespace kore_gateway
