#include "kore_gateway/auth/jwt_verifier.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>

#include <boost/beast/core/string.hpp>
#include <nlohmann/json.hpp>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "kore_gateway/util/ascii.hpp"
#include "kore_gateway/util/base64.hpp"
#include "kore_gateway/util/openssl_ptr.hpp"

namespace kore_gateway {

namespace {

using json = nlohmann::json;

// RFC 7518 section 3.4: ES256 signatures are r || s, 32 bytes each.
constexpr std::size_t es256_half_bytes = 32;
// RFC 7518 section 3.5: PS256's salt is as long as the SHA-256 output.
constexpr int ps256_salt_bytes = 32;

jwt_check invalid(std::string reason) {
    return {jwt_status::invalid, std::move(reason), {}};
}

// The JSON object encoded by one base64url part; nullopt for anything else.
std::optional<json> decode_object(std::string_view part) {
    const auto bytes = base64url_decode(part);
    if (!bytes) {
        return std::nullopt;
    }
    auto value = json::parse(*bytes, nullptr, false);
    if (value.is_discarded() || !value.is_object()) {
        return std::nullopt;
    }
    return value;
}

struct jose_header {
    jwt_alg alg = jwt_alg::rs256;
    std::optional<std::string> kid;
};

// RFC 7515 section 4.1.9: a "typ" without '/' means "application/" + typ.
bool acceptable_type(std::string_view typ) {
    constexpr std::string_view prefix = "application/";
    if (typ.size() > prefix.size() && iequals_ascii(typ.substr(0, prefix.size()), prefix)) {
        typ.remove_prefix(prefix.size());
    }
    return iequals_ascii(typ, "jwt") || iequals_ascii(typ, "at+jwt");
}

// The header's algorithm and kid, or (in reason) why the header is refused.
std::optional<jose_header> read_header(const json& header, std::string& reason) {
    const auto alg = header.find("alg");
    if (alg == header.end() || !alg->is_string()) {
        reason = "no alg in the header";
        return std::nullopt;
    }
    const auto parsed = parse_jwt_alg(alg->get_ref<const std::string&>());
    if (!parsed) {
        reason = "alg not accepted";
        return std::nullopt;
    }
    // Extensions we do not understand must not be ignored (RFC 7515 section 4.1.11), and we
    // understand none.
    if (header.contains("crit")) {
        reason = "crit header not supported";
        return std::nullopt;
    }
    const auto typ = header.find("typ");
    if (typ != header.end() &&
        (!typ->is_string() || !acceptable_type(typ->get_ref<const std::string&>()))) {
        reason = "typ is not JWT";
        return std::nullopt;
    }
    jose_header result{*parsed, std::nullopt};
    const auto kid = header.find("kid");
    if (kid != header.end()) {
        if (!kid->is_string() || kid->get_ref<const std::string&>().empty()) {
            reason = "kid is not a non-empty string";
            return std::nullopt;
        }
        result.kid = kid->get<std::string>();
    }
    return result;
}

// The DER ECDSA-Sig-Value that OpenSSL verifies, from JWS's fixed-size r || s.
std::optional<std::string> ecdsa_der(std::string_view raw) {
    if (raw.size() != 2 * es256_half_bytes) {
        return std::nullopt;
    }
    const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
    openssl_ptr<BIGNUM> r(BN_bin2bn(bytes, es256_half_bytes, nullptr));
    openssl_ptr<BIGNUM> s(BN_bin2bn(bytes + es256_half_bytes, es256_half_bytes, nullptr));
    const openssl_ptr<ECDSA_SIG> sig(ECDSA_SIG_new());
    if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
        return std::nullopt;
    }
    r.release(); // owned by sig now
    s.release();
    unsigned char* der = nullptr;
    const int length = i2d_ECDSA_SIG(sig.get(), &der);
    const openssl_ptr<unsigned char> owned(der);
    if (length <= 0) {
        return std::nullopt;
    }
    return std::string(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
}

bool verify_signature(jwt_alg alg, EVP_PKEY* key, std::string_view signing_input,
                      std::string signature) {
    if (alg == jwt_alg::es256) {
        auto der = ecdsa_der(signature);
        if (!der) {
            return false;
        }
        signature = std::move(*der);
    }
    const openssl_ptr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* key_ctx = nullptr; // owned by ctx
    // Ed25519 hashes internally and takes no digest.
    const EVP_MD* digest = alg == jwt_alg::eddsa ? nullptr : EVP_sha256();
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), &key_ctx, digest, nullptr, key) != 1) {
        return false;
    }
    if (alg == jwt_alg::rs256 && EVP_PKEY_CTX_set_rsa_padding(key_ctx, RSA_PKCS1_PADDING) != 1) {
        return false;
    }
    if (alg == jwt_alg::ps256 &&
        (EVP_PKEY_CTX_set_rsa_padding(key_ctx, RSA_PKCS1_PSS_PADDING) != 1 ||
         EVP_PKEY_CTX_set_rsa_mgf1_md(key_ctx, EVP_sha256()) != 1 ||
         EVP_PKEY_CTX_set_rsa_pss_saltlen(key_ctx, ps256_salt_bytes) != 1)) {
        return false;
    }
    return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                            signature.size(),
                            reinterpret_cast<const unsigned char*>(signing_input.data()),
                            signing_input.size()) == 1;
}

enum class presence { absent, malformed, present };

// A NumericDate claim (RFC 7519 section 2): any finite JSON number of seconds.
presence numeric_date(const json& payload, const char* name, double& seconds) {
    const auto it = payload.find(name);
    if (it == payload.end()) {
        return presence::absent;
    }
    if (!it->is_number() || !std::isfinite(it->get<double>())) {
        return presence::malformed;
    }
    seconds = it->get<double>();
    return presence::present;
}

bool audience_matches(const json& aud, const std::string& audience) {
    if (aud.is_string()) {
        return aud.get_ref<const std::string&>() == audience;
    }
    if (!aud.is_array()) {
        return false;
    }
    bool found = false;
    for (const auto& item : aud) {
        if (!item.is_string()) {
            return false;
        }
        found = found || item.get_ref<const std::string&>() == audience;
    }
    return found;
}

void append_space_separated(std::string_view text, std::vector<std::string>& out) {
    while (!text.empty()) {
        const auto end = std::min(text.find(' '), text.size());
        if (end > 0) {
            out.emplace_back(text.substr(0, end));
        }
        text.remove_prefix(std::min(end + 1, text.size()));
    }
}

// "scope" (space-separated, RFC 8693) wins over "scp" (an array or a space-separated string, as
// some providers send). Returns false when the claim present has the wrong type.
bool read_scopes(const json& payload, std::vector<std::string>& scopes) {
    if (const auto scope = payload.find("scope"); scope != payload.end()) {
        if (!scope->is_string()) {
            return false;
        }
        append_space_separated(scope->get_ref<const std::string&>(), scopes);
        return true;
    }
    const auto scp = payload.find("scp");
    if (scp == payload.end()) {
        return true;
    }
    if (scp->is_string()) {
        append_space_separated(scp->get_ref<const std::string&>(), scopes);
        return true;
    }
    if (!scp->is_array()) {
        return false;
    }
    for (const auto& item : *scp) {
        if (!item.is_string()) {
            return false;
        }
        scopes.push_back(item.get<std::string>());
    }
    return true;
}

jwt_check check_claims(const json& payload, const jwt_expectations& expected,
                       std::chrono::system_clock::time_point now) {
    const auto iss = payload.find("iss");
    if (iss == payload.end() || !iss->is_string() ||
        iss->get_ref<const std::string&>() != expected.issuer) {
        return invalid("iss is not the expected issuer");
    }
    const auto aud = payload.find("aud");
    if (aud == payload.end() || !audience_matches(*aud, expected.audience)) {
        return invalid("aud does not contain the expected audience");
    }
    const double now_s = std::chrono::duration<double>(now.time_since_epoch()).count();
    const double leeway_s = std::chrono::duration<double>(expected.leeway).count();
    double exp = 0;
    if (numeric_date(payload, "exp", exp) != presence::present) {
        return invalid("exp missing or not a number");
    }
    if (!(now_s < exp + leeway_s)) {
        return invalid("expired");
    }
    double nbf = 0;
    const auto has_nbf = numeric_date(payload, "nbf", nbf);
    if (has_nbf == presence::malformed ||
        (has_nbf == presence::present && now_s < nbf - leeway_s)) {
        return invalid("nbf not a number or not yet reached");
    }
    double iat = 0;
    const auto has_iat = numeric_date(payload, "iat", iat);
    if (has_iat == presence::malformed ||
        (has_iat == presence::present && iat > now_s + leeway_s)) {
        return invalid("iat not a number or in the future");
    }
    jwt_check result{jwt_status::valid, "valid", {}};
    if (const auto sub = payload.find("sub"); sub != payload.end()) {
        if (!sub->is_string()) {
            return invalid("sub is not a string");
        }
        result.claims.sub = sub->get<std::string>();
    }
    if (!read_scopes(payload, result.claims.scopes)) {
        return invalid("scope or scp of the wrong type");
    }
    return result;
}

} // namespace

jwt_check verify_jwt(std::string_view token, const jwk_set& keys, const jwt_expectations& expected,
                     std::chrono::system_clock::time_point now) {
    if (token.size() > max_jwt_size) {
        return invalid("token too long");
    }
    const auto first_dot = token.find('.');
    const auto second_dot = token.find('.', first_dot + 1);
    if (first_dot == std::string_view::npos || second_dot == std::string_view::npos ||
        token.find('.', second_dot + 1) != std::string_view::npos) {
        return invalid("not three dot-separated parts");
    }
    const auto header = decode_object(token.substr(0, first_dot));
    if (!header) {
        return invalid("header is not a base64url JSON object");
    }
    std::string reason;
    const auto jose = read_header(*header, reason);
    if (!jose) {
        return invalid(std::move(reason));
    }
    const auto choice = choose_key(keys, jose->kid, jose->alg);
    switch (choice.status) {
    case key_choice_status::found:
        break;
    case key_choice_status::unknown_kid:
        return {jwt_status::unknown_kid, "unknown kid", {}};
    case key_choice_status::no_fitting_key:
        return invalid("no key fits the token's kid and alg");
    }
    auto signature = base64url_decode(token.substr(second_dot + 1));
    if (!signature) {
        return invalid("signature is not base64url");
    }
    const bool verified = verify_signature(jose->alg, choice.key->key.get(),
                                           token.substr(0, second_dot), std::move(*signature));
    if (!verified) {
        // A refused signature leaves errors on this thread's OpenSSL queue, where TLS code on the
        // same thread would read them.
        ERR_clear_error();
        return invalid("bad signature");
    }
    const auto payload = decode_object(token.substr(first_dot + 1, second_dot - first_dot - 1));
    if (!payload) {
        return invalid("payload is not a base64url JSON object");
    }
    return check_claims(*payload, expected, now);
}

} // namespace kore_gateway
