#include "kore_gateway/mock/jwt_signer.hpp"

#include <stdexcept>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "kore_gateway/util/base64.hpp"
#include "kore_gateway/util/openssl_ptr.hpp"

namespace kore_gateway {

namespace {

using json = nlohmann::json;

constexpr int p256_coordinate_bytes = 32;
constexpr std::size_t ed25519_key_bytes = 32;
constexpr int ps256_salt_bytes = 32; // RFC 7518 section 3.5: the SHA-256 output size

void check(bool ok, const char* what) {
    if (!ok) {
        throw std::runtime_error(std::string("jwt_signer: ") + what + " failed");
    }
}

std::shared_ptr<EVP_PKEY> generate(jwt_alg alg, int rsa_bits) {
    EVP_PKEY* key = nullptr;
    switch (alg) {
    case jwt_alg::rs256:
    case jwt_alg::ps256:
        key = EVP_RSA_gen(static_cast<unsigned>(rsa_bits));
        break;
    case jwt_alg::es256:
        key = EVP_EC_gen("P-256");
        break;
    case jwt_alg::eddsa:
        key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
        break;
    }
    check(key != nullptr, "key generation");
    return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

// A big-number parameter of key as unpadded big-endian base64url; size pads it to that many
// bytes (JWK EC coordinates are fixed-size).
std::string bignum_member(EVP_PKEY* key, const char* name, int size = 0) {
    BIGNUM* raw = nullptr;
    check(EVP_PKEY_get_bn_param(key, name, &raw) == 1, "EVP_PKEY_get_bn_param");
    const openssl_ptr<BIGNUM> value(raw);
    std::string bytes(static_cast<std::size_t>(size > 0 ? size : BN_num_bytes(value.get())), '\0');
    check(BN_bn2binpad(value.get(), reinterpret_cast<unsigned char*>(bytes.data()),
                       static_cast<int>(bytes.size())) > 0,
          "BN_bn2binpad");
    return base64url_encode(bytes);
}

// JWS's r || s (32 bytes each) from OpenSSL's DER ECDSA-Sig-Value.
std::string raw_ecdsa(const std::string& der) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(der.data());
    const openssl_ptr<ECDSA_SIG> sig(d2i_ECDSA_SIG(nullptr, &bytes, static_cast<long>(der.size())));
    check(sig != nullptr, "d2i_ECDSA_SIG");
    std::string raw(2 * p256_coordinate_bytes, '\0');
    auto* out = reinterpret_cast<unsigned char*>(raw.data());
    check(BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, p256_coordinate_bytes) > 0 &&
              BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + p256_coordinate_bytes,
                           p256_coordinate_bytes) > 0,
          "BN_bn2binpad");
    return raw;
}

} // namespace

jwt_signer::jwt_signer(jwt_alg alg, std::string kid, int rsa_bits)
    : alg_(alg), kid_(std::move(kid)), key_(generate(alg, rsa_bits)) {}

std::string jwt_signer::sign(const json& claims) const {
    return sign_with_header({{"alg", to_string(alg_)}, {"kid", kid_}, {"typ", "JWT"}}, claims);
}

std::string jwt_signer::sign_with_header(const json& header, const json& claims) const {
    const auto signing_input =
        base64url_encode(header.dump()) + '.' + base64url_encode(claims.dump());
    return signing_input + '.' + base64url_encode(signature_of(signing_input));
}

std::string jwt_signer::signature_of(const std::string& signing_input) const {
    const openssl_ptr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* key_ctx = nullptr; // owned by ctx
    const EVP_MD* digest = alg_ == jwt_alg::eddsa ? nullptr : EVP_sha256();
    check(ctx && EVP_DigestSignInit(ctx.get(), &key_ctx, digest, nullptr, key_.get()) == 1,
          "EVP_DigestSignInit");
    if (alg_ == jwt_alg::ps256) {
        check(EVP_PKEY_CTX_set_rsa_padding(key_ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
                  EVP_PKEY_CTX_set_rsa_mgf1_md(key_ctx, EVP_sha256()) == 1 &&
                  EVP_PKEY_CTX_set_rsa_pss_saltlen(key_ctx, ps256_salt_bytes) == 1,
              "PSS parameters");
    }
    const auto* input = reinterpret_cast<const unsigned char*>(signing_input.data());
    std::size_t length = 0;
    check(EVP_DigestSign(ctx.get(), nullptr, &length, input, signing_input.size()) == 1,
          "EVP_DigestSign");
    std::string signature(length, '\0');
    check(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                         input, signing_input.size()) == 1,
          "EVP_DigestSign");
    signature.resize(length);
    return alg_ == jwt_alg::es256 ? raw_ecdsa(signature) : signature;
}

json jwt_signer::public_jwk() const {
    json jwk = {{"kid", kid_}, {"alg", to_string(alg_)}, {"use", "sig"}};
    switch (alg_) {
    case jwt_alg::rs256:
    case jwt_alg::ps256:
        jwk["kty"] = "RSA";
        jwk["n"] = bignum_member(key_.get(), OSSL_PKEY_PARAM_RSA_N);
        jwk["e"] = bignum_member(key_.get(), OSSL_PKEY_PARAM_RSA_E);
        break;
    case jwt_alg::es256:
        jwk["kty"] = "EC";
        jwk["crv"] = "P-256";
        jwk["x"] = bignum_member(key_.get(), OSSL_PKEY_PARAM_EC_PUB_X, p256_coordinate_bytes);
        jwk["y"] = bignum_member(key_.get(), OSSL_PKEY_PARAM_EC_PUB_Y, p256_coordinate_bytes);
        break;
    case jwt_alg::eddsa: {
        std::string x(ed25519_key_bytes, '\0');
        std::size_t length = x.size();
        check(EVP_PKEY_get_raw_public_key(key_.get(), reinterpret_cast<unsigned char*>(x.data()),
                                          &length) == 1 &&
                  length == x.size(),
              "EVP_PKEY_get_raw_public_key");
        jwk["kty"] = "OKP";
        jwk["crv"] = "Ed25519";
        jwk["x"] = base64url_encode(x);
        break;
    }
    }
    return jwk;
}

json jwt_signer::jwks(const std::vector<const jwt_signer*>& signers) {
    json keys = json::array();
    for (const auto* signer : signers) {
        keys.push_back(signer->public_jwk());
    }
    return {{"keys", std::move(keys)}};
}

} // namespace kore_gateway
