#include "kore_gateway/auth/client_authenticator.hpp"

// refusal_outcome of client_authenticator.hpp: the 401/403/429/503 answers of client
// authentication, with the RFC 6750 section 3 challenges CONTRACT.md section 17 spells out.

#include <stdexcept>
#include <string>

namespace kore_gateway {

namespace {

constexpr std::string_view challenge = R"(Bearer realm="kore-gateway")";
constexpr std::string_view invalid_token_challenge =
    R"(Bearer realm="kore-gateway", error="invalid_token")";
constexpr std::string_view insufficient_scope_challenge =
    R"(Bearer realm="kore-gateway", error="insufficient_scope")";

route_outcome with_challenge(route_outcome outcome, std::string_view value) {
    outcome.res.set(http::field::www_authenticate, value);
    return outcome;
}

} // namespace

// The messages are fixed: a refusal never echoes what the client sent.
route_outcome refusal_outcome(const auth_result& refused) {
    switch (refused.refusal) {
    case auth_refusal::none:
        throw std::invalid_argument("refusal_outcome: the request was allowed");
    case auth_refusal::missing_credentials:
        return with_challenge(
            error_outcome(errors::unauthorized, "client authentication is required"), challenge);
    case auth_refusal::invalid_credentials:
        return with_challenge(error_outcome(errors::unauthorized, "invalid client credentials"),
                              invalid_token_challenge);
    case auth_refusal::route_not_allowed:
        return with_challenge(
            error_outcome(errors::forbidden, "this client may not call this route"),
            insufficient_scope_challenge);
    case auth_refusal::insufficient_scope:
        return with_challenge(
            error_outcome(errors::forbidden, "this client lacks a scope the route requires"),
            std::string(insufficient_scope_challenge)
                .append(R"(, scope=")")
                .append(refused.required_scope)
                .append("\""));
    case auth_refusal::keys_unavailable:
        return error_outcome(errors::not_ready,
                             "the JWKS that client tokens are verified with is not fetched yet");
    case auth_refusal::rate_limited: {
        auto outcome = error_outcome(errors::rate_limited, "client request rate limit exceeded");
        outcome.res.set(http::field::retry_after, std::to_string(refused.retry_after.count()));
        return outcome;
    }
    }
    throw std::invalid_argument("refusal_outcome: unknown refusal");
}

} // namespace kore_gateway
