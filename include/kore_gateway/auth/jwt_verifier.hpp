// Verification of a client's bearer JWT (RFC 7519, compact JWS of RFC 7515) against the keys of a
// JWKS: signature, then issuer, audience and time claims. Sans-io: the JWKS and the time are
// handed in, so fetching and caching the set is someone else's business.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "kore_gateway/auth/jwk_set.hpp"

namespace kore_gateway {

// Longer tokens are refused before any decoding or cryptography.
inline constexpr std::size_t max_jwt_size = 16 * 1024;

// What a token must say (CONTRACT.md section 17).
struct jwt_expectations {
    std::string issuer;              // "iss" must equal it
    std::string audience;            // "aud" must equal it or, as an array, contain it
    std::chrono::seconds leeway{60}; // clock skew allowed on exp, nbf and iat
};

enum class jwt_status {
    valid,
    unknown_kid, // well-formed, but no key of the set has its kid: a newer JWKS might
    invalid,
};

// What the gateway uses of a valid token.
struct jwt_claims {
    std::string sub;                 // empty when the token has none
    std::vector<std::string> scopes; // from "scope", else "scp"
};

struct jwt_check {
    jwt_status status = jwt_status::invalid;
    // Why, for the log: fixed wording that never quotes the token or its contents.
    std::string reason;
    jwt_claims claims; // only when status == valid
};

// Checks, in this order: size; three base64url parts; a header object whose "alg" is RS256,
// PS256, ES256 or EdDSA, without "crit", with "typ" (if any) JWT or at+jwt; the key chosen by
// choose_key; the signature; a payload object with "iss", "aud", "exp" (now < exp + leeway),
// "nbf" (now >= nbf - leeway), "iat" (not beyond now + leeway), "sub" a string, and scopes of the
// right types. Keys named in the token itself (jwk, jku, x5c, x5u) are ignored.
jwt_check verify_jwt(std::string_view token, const jwk_set& keys, const jwt_expectations& expected,
                     std::chrono::system_clock::time_point now);

} // namespace kore_gateway
