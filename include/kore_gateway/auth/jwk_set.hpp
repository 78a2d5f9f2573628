// The public keys of an identity provider's JWKS (RFC 7517) that may verify client JWTs, and the
// choice of the key for one token. Only signature keys the verifier supports are kept: RSA of at
// least 2048 bits, EC P-256 and OKP Ed25519; a private key is never held.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/types.h>

namespace kore_gateway {

// The JWS algorithms accepted for client tokens (RFC 7518 section 3, RFC 8037 for EdDSA, which
// here means Ed25519). Never "none", never HMAC: the set is closed on purpose.
enum class jwt_alg { rs256, ps256, es256, eddsa };

// nullopt for any other "alg" value (compared exactly, as RFC 7515 asks).
std::optional<jwt_alg> parse_jwt_alg(std::string_view name);
std::string_view to_string(jwt_alg alg);

// One usable public key of the set.
struct jwk {
    std::string kid; // empty when the JWK has none
    std::string kty; // "RSA", "EC" or "OKP"
    std::string crv; // "P-256" or "Ed25519"; empty for RSA
    std::string alg; // the JWK's "alg" when it has one (then a supported one), else empty
    std::shared_ptr<EVP_PKEY> key;
};

struct jwk_set {
    std::vector<jwk> keys;
};

// The outcome of reading a JWKS document.
struct parsed_jwk_set {
    std::optional<jwk_set> set; // nullopt when nothing in the document is usable
    std::string error;          // why set is nullopt
    // One line per key left out and why ("keys[2] (kid \"a\"): ..."), for the log.
    std::vector<std::string> skipped;
};

// Reads a JWKS (JSON text). Keys that are not usable signature keys are skipped and the rest
// kept: "use" other than "sig", "key_ops" without "verify", kty "oct", any private member,
// an unknown kty or crv, an "alg" this gateway does not accept or that does not fit the key
// type, a member missing or malformed, RSA under 2048 or over 8192 bits, an EC point not on
// P-256. The document fails only when it is not JSON, has no "keys" array, or no usable key.
parsed_jwk_set parse_jwk_set(std::string_view document);

// True when key may verify a signature made with alg: RS256/PS256 need RSA, ES256 EC P-256,
// EdDSA OKP Ed25519, and a JWK "alg" must equal alg.
bool key_fits(const jwk& key, jwt_alg alg);

enum class key_choice_status {
    found,
    unknown_kid,    // no key has the token's kid: a newer JWKS might (the caller may refetch)
    no_fitting_key, // keys exist but none fits, or several fit a token without kid
};

struct key_choice {
    key_choice_status status = key_choice_status::no_fitting_key;
    const jwk* key = nullptr; // into the set; only when status == found
};

// With a kid: the first key with that kid that fits alg (unknown_kid when no key has that kid).
// Without a kid: the key that fits alg, only when exactly one does.
key_choice choose_key(const jwk_set& set, const std::optional<std::string>& kid, jwt_alg alg);

} // namespace kore_gateway
