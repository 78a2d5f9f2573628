#include "kore_gateway/auth/jwk_set.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "kore_gateway/util/base64.hpp"
#include "kore_gateway/util/openssl_ptr.hpp"

namespace kore_gateway {

namespace {

using json = nlohmann::json;

constexpr int min_rsa_bits = 2048;
// Bounds the cost of one verification, which a caller can make the gateway pay at will.
constexpr int max_rsa_bits = 8192;
// OpenSSL refuses larger public exponents for moduli over 3072 bits anyway.
constexpr std::size_t max_rsa_exponent_bytes = 8;
constexpr std::size_t p256_coordinate_bytes = 32;
constexpr std::size_t ed25519_key_bytes = 32;

std::shared_ptr<EVP_PKEY> share(EVP_PKEY* key) {
    return key == nullptr ? nullptr : std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

// A key that could not be used: its reason goes into parsed_jwk_set::skipped.
struct skip {
    std::string reason;
};

// The base64url-decoded bytes of member name; throws skip when missing or malformed.
std::string bytes_member(const json& jwk, const char* name) {
    const auto it = jwk.find(name);
    if (it == jwk.end() || !it->is_string()) {
        throw skip{std::string("no string \"") + name + "\""};
    }
    auto bytes = base64url_decode(it->get_ref<const std::string&>());
    if (!bytes || bytes->empty()) {
        throw skip{std::string("\"") + name + "\" is not base64url"};
    }
    return std::move(*bytes);
}

// The string member name, or "" when absent; throws skip when it is not a string.
std::string optional_string(const json& jwk, const char* name) {
    const auto it = jwk.find(name);
    if (it == jwk.end()) {
        return {};
    }
    if (!it->is_string()) {
        throw skip{std::string("\"") + name + "\" is not a string"};
    }
    return it->get<std::string>();
}

openssl_ptr<BIGNUM> to_bignum(const std::string& bytes) {
    return openssl_ptr<BIGNUM>(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                                         static_cast<int>(bytes.size()), nullptr));
}

// EVP_PKEY_fromdata for a public key of type (an OpenSSL key type name) from params.
std::shared_ptr<EVP_PKEY> public_key_from(const char* type, OSSL_PARAM_BLD* params_builder) {
    const openssl_ptr<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(params_builder));
    const openssl_ptr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY* key = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
        return nullptr;
    }
    return share(key);
}

std::shared_ptr<EVP_PKEY> rsa_key(const json& jwk) {
    const auto n = to_bignum(bytes_member(jwk, "n"));
    const auto e_bytes = bytes_member(jwk, "e");
    if (e_bytes.size() > max_rsa_exponent_bytes) {
        throw skip{"RSA exponent too large"};
    }
    const auto e = to_bignum(e_bytes);
    if (!n || !e) {
        throw skip{"out of memory"};
    }
    const int bits = BN_num_bits(n.get());
    if (bits < min_rsa_bits || bits > max_rsa_bits) {
        throw skip{"RSA modulus of " + std::to_string(bits) + " bits (" +
                   std::to_string(min_rsa_bits) + " to " + std::to_string(max_rsa_bits) +
                   " accepted)"};
    }
    if (!BN_is_odd(n.get()) || !BN_is_odd(e.get()) || BN_is_one(e.get())) {
        throw skip{"not an RSA public key (even modulus, or exponent even or 1)"};
    }
    const openssl_ptr<OSSL_PARAM_BLD> params(OSSL_PARAM_BLD_new());
    if (!params || OSSL_PARAM_BLD_push_BN(params.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(params.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
        throw skip{"out of memory"};
    }
    return public_key_from("RSA", params.get());
}

std::shared_ptr<EVP_PKEY> p256_key(const json& jwk) {
    const auto x = bytes_member(jwk, "x");
    const auto y = bytes_member(jwk, "y");
    if (x.size() != p256_coordinate_bytes || y.size() != p256_coordinate_bytes) {
        throw skip{"P-256 coordinates must be 32 bytes each"};
    }
    // SEC 1 uncompressed point: 0x04 || x || y.
    const std::string point = '\x04' + x + y;
    const openssl_ptr<OSSL_PARAM_BLD> params(OSSL_PARAM_BLD_new());
    if (!params ||
        OSSL_PARAM_BLD_push_utf8_string(params.get(), OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0) !=
            1 ||
        OSSL_PARAM_BLD_push_octet_string(params.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                         point.size()) != 1) {
        throw skip{"out of memory"};
    }
    auto key = public_key_from("EC", params.get());
    // A point off the curve is no P-256 key at all: check it explicitly rather than rely on the
    // import having done so.
    const openssl_ptr<EVP_PKEY_CTX> check(
        key ? EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr) : nullptr);
    if (!check || EVP_PKEY_public_check(check.get()) != 1) {
        throw skip{"not a point on P-256"};
    }
    return key;
}

std::shared_ptr<EVP_PKEY> ed25519_key(const json& jwk) {
    const auto x = bytes_member(jwk, "x");
    if (x.size() != ed25519_key_bytes) {
        throw skip{"Ed25519 key must be 32 bytes"};
    }
    return share(EVP_PKEY_new_raw_public_key(
        EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x.data()), x.size()));
}

void require_signature_use(const json& jwk) {
    const auto use = optional_string(jwk, "use");
    if (!use.empty() && use != "sig") {
        throw skip{"\"use\" is not \"sig\""};
    }
    const auto ops = jwk.find("key_ops");
    if (ops != jwk.end() &&
        (!ops->is_array() || std::find(ops->begin(), ops->end(), json("verify")) == ops->end())) {
        throw skip{"\"key_ops\" does not allow \"verify\""};
    }
}

jwk read_key(const json& object) {
    if (!object.is_object()) {
        throw skip{"not an object"};
    }
    jwk key;
    key.kid = optional_string(object, "kid");
    key.kty = optional_string(object, "kty");
    if (key.kty == "oct") {
        throw skip{"symmetric (oct) keys are not accepted"};
    }
    // RFC 7518 section 6: the private members of RSA, EC and OKP keys.
    for (const char* member : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}) {
        if (object.contains(member)) {
            throw skip{"holds private key material"};
        }
    }
    require_signature_use(object);
    if (key.kty == "RSA") {
        key.key = rsa_key(object);
    } else if (key.kty == "EC" || key.kty == "OKP") {
        key.crv = optional_string(object, "crv");
        if (key.kty == "EC" && key.crv == "P-256") {
            key.key = p256_key(object);
        } else if (key.kty == "OKP" && key.crv == "Ed25519") {
            key.key = ed25519_key(object);
        } else {
            throw skip{"curve not supported"};
        }
    } else {
        throw skip{"kty not supported"};
    }
    if (!key.key) {
        throw skip{"OpenSSL refused the key"};
    }
    key.alg = optional_string(object, "alg");
    if (!key.alg.empty()) {
        const auto alg = parse_jwt_alg(key.alg);
        if (!alg) {
            throw skip{"alg not accepted"};
        }
        if (!key_fits(key, *alg)) {
            throw skip{"alg does not fit the key type"};
        }
    }
    return key;
}

std::string describe(std::size_t index, const json& object) {
    std::string where = "keys[" + std::to_string(index) + "]";
    if (object.is_object()) {
        const auto kid = object.find("kid");
        if (kid != object.end() && kid->is_string()) {
            where += " (kid " + kid->dump(-1, ' ', true, json::error_handler_t::replace) + ")";
        }
    }
    return where;
}

} // namespace

std::optional<jwt_alg> parse_jwt_alg(std::string_view name) {
    for (const auto alg : {jwt_alg::rs256, jwt_alg::ps256, jwt_alg::es256, jwt_alg::eddsa}) {
        if (name == to_string(alg)) {
            return alg;
        }
    }
    return std::nullopt;
}

std::string_view to_string(jwt_alg alg) {
    switch (alg) {
    case jwt_alg::rs256:
        return "RS256";
    case jwt_alg::ps256:
        return "PS256";
    case jwt_alg::es256:
        return "ES256";
    case jwt_alg::eddsa:
        return "EdDSA";
    }
    return {};
}

parsed_jwk_set parse_jwk_set(std::string_view document) {
    parsed_jwk_set result;
    const auto parsed = json::parse(document, nullptr, false);
    if (parsed.is_discarded()) {
        result.error = "the JWKS is not JSON";
        return result;
    }
    const auto keys = parsed.is_object() ? parsed.find("keys") : parsed.end();
    if (!parsed.is_object() || keys == parsed.end() || !keys->is_array()) {
        result.error = "the JWKS has no \"keys\" array";
        return result;
    }
    jwk_set set;
    for (std::size_t i = 0; i < keys->size(); ++i) {
        const auto& object = (*keys)[i];
        try {
            set.keys.push_back(read_key(object));
        } catch (const skip& skipped) {
            result.skipped.push_back(describe(i, object) + ": " + skipped.reason);
        }
    }
    // Refused imports leave errors on this thread's OpenSSL queue, where TLS code would read them.
    ERR_clear_error();
    if (set.keys.empty()) {
        result.error =
            "the JWKS has no usable key (" + std::to_string(result.skipped.size()) + " skipped)";
        return result;
    }
    result.set = std::move(set);
    return result;
}

bool key_fits(const jwk& key, jwt_alg alg) {
    bool type_fits = false;
    switch (alg) {
    case jwt_alg::rs256:
    case jwt_alg::ps256:
        type_fits = key.kty == "RSA";
        break;
    case jwt_alg::es256:
        type_fits = key.kty == "EC" && key.crv == "P-256";
        break;
    case jwt_alg::eddsa:
        type_fits = key.kty == "OKP" && key.crv == "Ed25519";
        break;
    }
    return type_fits && (key.alg.empty() || key.alg == to_string(alg));
}

key_choice choose_key(const jwk_set& set, const std::optional<std::string>& kid, jwt_alg alg) {
    key_choice choice;
    if (kid) {
        bool kid_known = false;
        for (const auto& key : set.keys) {
            if (key.kid != *kid) {
                continue;
            }
            kid_known = true;
            if (key_fits(key, alg)) {
                return {key_choice_status::found, &key};
            }
        }
        choice.status =
            kid_known ? key_choice_status::no_fitting_key : key_choice_status::unknown_kid;
        return choice;
    }
    for (const auto& key : set.keys) {
        if (!key_fits(key, alg)) {
            continue;
        }
        if (choice.key != nullptr) {
            return {key_choice_status::no_fitting_key, nullptr}; // ambiguous without a kid
        }
        choice = {key_choice_status::found, &key};
    }
    return choice;
}

} // namespace kore_gateway
