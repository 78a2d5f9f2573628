// A JWT issuer for the fake auth server and the tests: a freshly generated key pair of one
// algorithm, its public JWK, and compact JWS tokens signed with it. Not the thing under test.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <openssl/types.h>

#include "kore_gateway/auth/jwk_set.hpp"

namespace kore_gateway {

class jwt_signer {
public:
    // Generates the key: RSA (rsa_bits, for RS256 and PS256), EC P-256 or Ed25519. A small
    // rsa_bits makes a key the gateway must refuse. Throws std::runtime_error when OpenSSL fails.
    jwt_signer(jwt_alg alg, std::string kid, int rsa_bits = 2048);

    jwt_alg alg() const { return alg_; }
    const std::string& kid() const { return kid_; }

    // A token with the header {"alg", "kid", "typ": "JWT"} and claims as the payload.
    std::string sign(const nlohmann::json& claims) const;
    // header as given (it may name another alg, or none), signed with this signer's algorithm.
    std::string sign_with_header(const nlohmann::json& header, const nlohmann::json& claims) const;

    // The public key as a JWK: kid, kty, crv (EC, OKP), alg, use "sig" and the key members.
    nlohmann::json public_jwk() const;
    // {"keys": [each signer's public_jwk()]}.
    static nlohmann::json jwks(const std::vector<const jwt_signer*>& signers);

private:
    std::string signature_of(const std::string& signing_input) const;

    jwt_alg alg_;
    std::string kid_;
    std::shared_ptr<EVP_PKEY> key_;
};

} // namespace kore_gateway
