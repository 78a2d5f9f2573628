#include "kore_gateway/auth/jwt_verifier.hpp"

#include <functional>

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "kore_gateway/mock/jwt_signer.hpp"
#include "kore_gateway/util/base64.hpp"
#include "unit/auth/jwt_test_keys.hpp"

namespace kore_gateway {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr std::int64_t t0 = 1'700'000'000; // "now" in most tests, seconds since the epoch
const std::chrono::system_clock::time_point now_t0{std::chrono::seconds(t0)};
const jwt_expectations idp_expectations{"https://idp.example", "kore-gateway", 60s};

jwk_set jwk_set_of(const json& jwks) {
    auto parsed = parse_jwk_set(jwks.dump());
    EXPECT_TRUE(parsed.set) << parsed.error;
    return parsed.set ? std::move(*parsed.set) : jwk_set{};
}

// The JWKS of all four signers.
const jwk_set& all_keys() {
    static const jwk_set set = jwk_set_of(jwt_signer::jwks(testing::jwt_keys().all()));
    return set;
}

json good_claims() {
    return {{"iss", idp_expectations.issuer},
            {"aud", idp_expectations.audience},
            {"sub", "alice"},
            {"exp", t0 + 600},
            {"iat", t0},
            {"scope", "read write"}};
}

jwt_check check(const std::string& token, std::chrono::system_clock::time_point now = now_t0) {
    return verify_jwt(token, all_keys(), idp_expectations, now);
}

// A compact JWS put together by hand, for signatures no signer makes.
std::string assemble(const json& header, const json& claims, std::string_view signature) {
    return base64url_encode(header.dump()) + '.' + base64url_encode(claims.dump()) + '.' +
           base64url_encode(signature);
}

std::vector<std::string> split(const std::string& token) {
    const auto a = token.find('.');
    const auto b = token.find('.', a + 1);
    return {token.substr(0, a), token.substr(a + 1, b - a - 1), token.substr(b + 1)};
}

TEST(verify_jwt, accepts_a_good_token_of_every_algorithm_and_returns_its_claims) {
    for (const auto* signer : testing::jwt_keys().all()) {
        const auto result = check(signer->sign(good_claims()));
        EXPECT_EQ(result.status, jwt_status::valid) << signer->kid() << ": " << result.reason;
        EXPECT_EQ(result.claims.sub, "alice");
        EXPECT_EQ(result.claims.scopes, (std::vector<std::string>{"read", "write"}));
    }
}

struct time_case {
    const char* name;
    std::function<void(json&)> change;
    std::int64_t now_offset; // seconds after t0
    jwt_status status;
};

TEST(verify_jwt, applies_exp_nbf_and_iat_with_the_leeway_at_its_edges) {
    const time_case cases[] = {
        // valid while now < exp + leeway
        {"exp + leeway - 1 s", [](json& c) { c["exp"] = t0 - 59; }, 0, jwt_status::valid},
        {"exp + leeway", [](json& c) { c["exp"] = t0 - 60; }, 0, jwt_status::invalid},
        {"exp long past", [](json& c) { c["exp"] = t0 - 3600; }, 0, jwt_status::invalid},
        {"exp fractional", [](json& c) { c["exp"] = t0 - 60 + 0.5; }, 0, jwt_status::valid},
        {"exp missing", [](json& c) { c.erase("exp"); }, 0, jwt_status::invalid},
        {"exp a string", [](json& c) { c["exp"] = std::to_string(t0 + 600); }, 0,
         jwt_status::invalid},
        {"exp a boolean", [](json& c) { c["exp"] = true; }, 0, jwt_status::invalid},
        // now >= nbf - leeway
        {"nbf - leeway", [](json& c) { c["nbf"] = t0 + 60; }, 0, jwt_status::valid},
        {"nbf - leeway - 1 s", [](json& c) { c["nbf"] = t0 + 61; }, 0, jwt_status::invalid},
        {"nbf passed", [](json& c) { c["nbf"] = t0 - 10; }, 0, jwt_status::valid},
        {"nbf a string", [](json& c) { c["nbf"] = "0"; }, 0, jwt_status::invalid},
        // iat at most leeway in the future
        {"iat now + leeway", [](json& c) { c["iat"] = t0 + 60; }, 0, jwt_status::valid},
        {"iat now + leeway + 1 s", [](json& c) { c["iat"] = t0 + 61; }, 0, jwt_status::invalid},
        {"iat missing", [](json& c) { c.erase("iat"); }, 0, jwt_status::valid},
        {"iat null", [](json& c) { c["iat"] = nullptr; }, 0, jwt_status::invalid},
        // the same edges reached by moving the clock instead
        {"clock at exp + leeway - 1 s", [](json&) {}, 600 + 59, jwt_status::valid},
        {"clock at exp + leeway", [](json&) {}, 600 + 60, jwt_status::invalid},
    };
    for (const auto& c : cases) {
        auto claims = good_claims();
        c.change(claims);
        for (const auto* signer : {&testing::jwt_keys().es256, &testing::jwt_keys().eddsa}) {
            const auto result =
                check(signer->sign(claims), now_t0 + std::chrono::seconds(c.now_offset));
            EXPECT_EQ(result.status, c.status) << c.name << ": " << result.reason;
        }
    }
}

TEST(verify_jwt, requires_the_issuer_and_the_audience_as_string_or_array) {
    const struct {
        const char* name;
        const char* member;
        json value; // null: the member is removed
        jwt_status status;
    } cases[] = {
        {"iss other", "iss", "https://evil.example", jwt_status::invalid},
        {"iss with a trailing slash", "iss", "https://idp.example/", jwt_status::invalid},
        {"iss missing", "iss", nullptr, jwt_status::invalid},
        {"iss an array", "iss", {"https://idp.example"}, jwt_status::invalid},
        {"aud the string", "aud", "kore-gateway", jwt_status::valid},
        {"aud another string", "aud", "other-api", jwt_status::invalid},
        {"aud an array containing it", "aud", {"other-api", "kore-gateway"}, jwt_status::valid},
        {"aud an array without it", "aud", {"other-api", "kore"}, jwt_status::invalid},
        {"aud an empty array", "aud", json::array(), jwt_status::invalid},
        {"aud an array with a non-string", "aud", {"kore-gateway", 1}, jwt_status::invalid},
        {"aud missing", "aud", nullptr, jwt_status::invalid},
        {"sub a number", "sub", 42, jwt_status::invalid},
    };
    for (const auto& c : cases) {
        auto claims = good_claims();
        if (c.value.is_null()) {
            claims.erase(c.member);
        } else {
            claims[c.member] = c.value;
        }
        const auto result = check(testing::jwt_keys().es256.sign(claims));
        EXPECT_EQ(result.status, c.status) << c.name << ": " << result.reason;
    }
}

TEST(verify_jwt, a_token_without_sub_is_valid_with_an_empty_sub) {
    auto claims = good_claims();
    claims.erase("sub");
    const auto result = check(testing::jwt_keys().eddsa.sign(claims));
    ASSERT_EQ(result.status, jwt_status::valid) << result.reason;
    EXPECT_EQ(result.claims.sub, "");
}

TEST(verify_jwt, reads_scopes_from_scope_or_else_scp) {
    using scopes = std::vector<std::string>;
    const struct {
        const char* name;
        json scope; // null: absent
        json scp;   // null: absent
        jwt_status status;
        scopes expected;
    } cases[] = {
        {"scope", "read write", nullptr, jwt_status::valid, {"read", "write"}},
        {"scope with extra spaces", " read  write ", nullptr, jwt_status::valid, {"read", "write"}},
        {"scp array", nullptr, {"read", "write"}, jwt_status::valid, {"read", "write"}},
        {"scp string", nullptr, "read write", jwt_status::valid, {"read", "write"}},
        {"scope wins over scp", "read", {"admin"}, jwt_status::valid, {"read"}},
        {"neither", nullptr, nullptr, jwt_status::valid, {}},
        {"empty scope", "", nullptr, jwt_status::valid, {}},
        {"scope an array", {"read"}, nullptr, jwt_status::invalid, {}},
        {"scp a number", nullptr, 5, jwt_status::invalid, {}},
        {"scp an array with a number", nullptr, {"read", 5}, jwt_status::invalid, {}},
    };
    for (const auto& c : cases) {
        auto claims = good_claims();
        claims.erase("scope");
        if (!c.scope.is_null()) {
            claims["scope"] = c.scope;
        }
        if (!c.scp.is_null()) {
            claims["scp"] = c.scp;
        }
        const auto result = check(testing::jwt_keys().es256.sign(claims));
        EXPECT_EQ(result.status, c.status) << c.name << ": " << result.reason;
        EXPECT_EQ(result.claims.scopes, c.expected) << c.name;
    }
}

TEST(verify_jwt, an_unknown_kid_is_told_apart_so_the_caller_may_refetch) {
    const jwt_signer rotated(jwt_alg::es256, "ec-2");
    const auto result = check(rotated.sign(good_claims()));
    EXPECT_EQ(result.status, jwt_status::unknown_kid) << result.reason;
    // Once the new JWKS has it, the same token is good.
    EXPECT_EQ(verify_jwt(rotated.sign(good_claims()), jwk_set_of(jwt_signer::jwks({&rotated})),
                         idp_expectations, now_t0)
                  .status,
              jwt_status::valid);
}

TEST(verify_jwt, a_token_without_kid_needs_exactly_one_fitting_key) {
    const auto& k = testing::jwt_keys();
    const jwt_signer other_ec(jwt_alg::es256, "ec-2");
    const auto token = k.es256.sign_with_header({{"alg", "ES256"}, {"typ", "JWT"}}, good_claims());
    const auto one_ec = jwk_set_of(jwt_signer::jwks({&k.rs256, &k.es256, &k.eddsa}));
    const auto two_ec = jwk_set_of(jwt_signer::jwks({&k.rs256, &k.es256, &other_ec}));
    EXPECT_EQ(verify_jwt(token, one_ec, idp_expectations, now_t0).status, jwt_status::valid);
    EXPECT_EQ(verify_jwt(token, two_ec, idp_expectations, now_t0).status, jwt_status::invalid);
}

TEST(verify_jwt, refuses_alg_none_whatever_its_spelling) {
    for (const char* none : {"none", "None", "NONE", "nOnE"}) {
        for (const json& header : {json{{"alg", none}}, json{{"alg", none}, {"kid", "rsa-1"}}}) {
            const auto result = check(assemble(header, good_claims(), ""));
            EXPECT_EQ(result.status, jwt_status::invalid) << header.dump();
        }
    }
}

// The algorithm-confusion attack: HMAC keyed with the public key, which the attacker knows.
TEST(verify_jwt, refuses_hs256_keyed_with_the_rsa_public_key) {
    const auto& rsa = all_keys().keys.at(0);
    ASSERT_EQ(rsa.kid, "rsa-1");
    std::string pem;
    {
        const std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
        ASSERT_EQ(PEM_write_bio_PUBKEY(bio.get(), rsa.key.get()), 1);
        char* data = nullptr;
        const long size = BIO_get_mem_data(bio.get(), &data);
        pem.assign(data, static_cast<std::size_t>(size));
    }
    unsigned char* der_bytes = nullptr;
    const int der_length = i2d_PUBKEY(rsa.key.get(), &der_bytes);
    ASSERT_GT(der_length, 0);
    const std::string der(reinterpret_cast<char*>(der_bytes), static_cast<std::size_t>(der_length));
    OPENSSL_free(der_bytes);

    for (const std::string& secret : {pem, der}) {
        for (const char* alg : {"HS256", "HS384", "HS512"}) {
            const json header = {{"alg", alg}, {"kid", "rsa-1"}, {"typ", "JWT"}};
            const auto input =
                base64url_encode(header.dump()) + '.' + base64url_encode(good_claims().dump());
            unsigned char mac[EVP_MAX_MD_SIZE];
            unsigned mac_length = 0;
            ASSERT_NE(HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
                           reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac,
                           &mac_length),
                      nullptr);
            const auto token =
                input + '.' + base64url_encode({reinterpret_cast<char*>(mac), mac_length});
            const auto result = check(token);
            EXPECT_EQ(result.status, jwt_status::invalid) << alg;
            EXPECT_EQ(result.reason, "alg not accepted");
        }
    }
}

TEST(verify_jwt, refuses_an_alg_that_does_not_fit_the_key_named_by_kid) {
    const auto& k = testing::jwt_keys();
    // RS256 header, kid of the EC key, signed with the RSA key.
    EXPECT_EQ(
        check(k.rs256.sign_with_header({{"alg", "RS256"}, {"kid", "ec-1"}}, good_claims())).status,
        jwt_status::invalid);
    // ES256 header, kid of the RSA key, signed with the EC key.
    EXPECT_EQ(
        check(k.es256.sign_with_header({{"alg", "ES256"}, {"kid", "rsa-1"}}, good_claims())).status,
        jwt_status::invalid);
    // EdDSA header, kid of the EC key.
    EXPECT_EQ(
        check(k.eddsa.sign_with_header({{"alg", "EdDSA"}, {"kid", "ec-1"}}, good_claims())).status,
        jwt_status::invalid);
}

TEST(verify_jwt, refuses_a_token_alg_other_than_the_jwks_alg) {
    const auto& rsa = testing::jwt_keys().rs256;
    const auto token = rsa.sign(good_claims()); // RS256
    auto jwk = rsa.public_jwk();
    jwk["alg"] = "PS256";
    EXPECT_EQ(verify_jwt(token, jwk_set_of({{"keys", {jwk}}}), idp_expectations, now_t0).status,
              jwt_status::invalid);
    jwk.erase("alg"); // the same key without alg: RS256 fits an RSA key
    EXPECT_EQ(verify_jwt(token, jwk_set_of({{"keys", {jwk}}}), idp_expectations, now_t0).status,
              jwt_status::valid);
    // And a PS256 token is not an RS256 one: the padding is part of the algorithm.
    const auto pss_as_rs256 = testing::jwt_keys().ps256.sign_with_header(
        {{"alg", "RS256"}, {"kid", "rsa-1"}}, good_claims());
    EXPECT_EQ(check(pss_as_rs256).status, jwt_status::invalid);
}

TEST(verify_jwt, refuses_a_tampered_payload_and_leaves_no_openssl_error_behind) {
    for (const auto* signer : testing::jwt_keys().all()) {
        auto parts = split(signer->sign(good_claims()));
        auto claims = good_claims();
        claims["sub"] = "mallory";
        const auto token = parts[0] + '.' + base64url_encode(claims.dump()) + '.' + parts[2];
        ERR_clear_error();
        const auto result = check(token);
        EXPECT_EQ(result.status, jwt_status::invalid) << signer->kid();
        EXPECT_EQ(result.reason, "bad signature");
        EXPECT_EQ(result.reason.find(parts[2]), std::string::npos);
        EXPECT_EQ(ERR_peek_error(), 0UL);
    }
}

TEST(verify_jwt, refuses_es256_signatures_that_are_not_64_bytes_of_r_and_s) {
    const auto good = split(testing::jwt_keys().es256.sign(good_claims()));
    const auto raw = *base64url_decode(good[2]);
    const auto signed_part = good[0] + '.' + good[1] + '.';
    ASSERT_EQ(check(signed_part + good[2]).status, jwt_status::valid);
    for (const std::string& bad : {raw.substr(0, 63), raw + '\0', std::string(1, '\0') + raw,
                                   std::string(64, '\0'), std::string()}) {
        EXPECT_EQ(check(signed_part + base64url_encode(bad)).status, jwt_status::invalid)
            << bad.size();
    }
}

TEST(verify_jwt, refuses_a_crit_header_and_types_other_than_jwt) {
    const auto& ec = testing::jwt_keys().es256;
    const struct {
        json header;
        jwt_status status;
    } cases[] = {
        {{{"alg", "ES256"}, {"kid", "ec-1"}}, jwt_status::valid},
        {{{"alg", "ES256"}, {"kid", "ec-1"}, {"typ", "jwt"}}, jwt_status::valid},
        {{{"alg", "ES256"}, {"kid", "ec-1"}, {"typ", "at+jwt"}}, jwt_status::valid},
        {{{"alg", "ES256"}, {"kid", "ec-1"}, {"typ", "application/at+JWT"}}, jwt_status::valid},
        {{{"alg", "ES256"}, {"kid", "ec-1"}, {"typ", "JOSE"}}, jwt_status::invalid},
        {{{"alg", "ES256"}, {"kid", "ec-1"}, {"typ", "dpop+jwt"}}, jwt_status::invalid},
        {{{"alg", "ES256"}, {"kid", "ec-1"}, {"typ", 1}}, jwt_status::invalid},
        {{{"alg", "ES256"}, {"kid", "ec-1"}, {"crit", {"exp"}}, {"exp", t0}}, jwt_status::invalid},
        {{{"alg", "ES256"}, {"kid", "ec-1"}, {"crit", json::array()}}, jwt_status::invalid},
        {{{"alg", "ES256"}, {"kid", 1}}, jwt_status::invalid},
        {{{"alg", "ES256"}, {"kid", ""}}, jwt_status::invalid},
        {{{"kid", "ec-1"}}, jwt_status::invalid},
        {{{"alg", "ES384"}, {"kid", "ec-1"}}, jwt_status::invalid},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(check(ec.sign_with_header(c.header, good_claims())).status, c.status)
            << c.header.dump();
    }
}

TEST(verify_jwt, refuses_what_is_not_three_base64url_parts_of_json_objects) {
    const auto& ec = testing::jwt_keys().es256;
    const auto good = ec.sign(good_claims());
    const auto p = split(good);
    std::string deep_header(5000, '[');
    deep_header += std::string(5000, ']');
    const struct {
        const char* name;
        std::string token;
    } cases[] = {
        {"empty", ""},
        {"two dots only", ".."},
        {"two parts", p[0] + '.' + p[1]},
        {"four parts", good + ".x"},
        {"a trailing dot", good + "."},
        {"header padded", p[0] + "=." + p[1] + '.' + p[2]},
        {"payload in the standard alphabet", p[0] + '.' + p[1] + "+." + p[2]},
        {"signature padded", good + "="},
        {"signature with a space", p[0] + '.' + p[1] + ". " + p[2]},
        {"header not JSON", base64url_encode("{alg") + '.' + p[1] + '.' + p[2]},
        {"header an array", base64url_encode("[]") + '.' + p[1] + '.' + p[2]},
        {"header deeply nested", base64url_encode(deep_header) + '.' + p[1] + '.' + p[2]},
        {"payload an array",
         ec.sign_with_header(json::parse(*base64url_decode(p[0])), json::array({good_claims()}))},
        {"payload not JSON", p[0] + '.' + base64url_encode("{\"iss\"") + '.' + p[2]},
    };
    ASSERT_EQ(check(good).status, jwt_status::valid);
    for (const auto& c : cases) {
        EXPECT_EQ(check(c.token).status, jwt_status::invalid) << c.name;
    }
}

TEST(verify_jwt, refuses_tokens_over_the_size_bound_before_verifying) {
    const auto& ec = testing::jwt_keys().es256;
    auto claims = good_claims();
    claims["padding"] = std::string(max_jwt_size, 'a');
    const auto result = check(ec.sign(claims));
    EXPECT_EQ(result.status, jwt_status::invalid);
    EXPECT_EQ(result.reason, "token too long");
    claims["padding"] = std::string(max_jwt_size / 2, 'a');
    EXPECT_EQ(check(ec.sign(claims)).status, jwt_status::valid);
}

} // namespace
} // namespace kore_gateway
