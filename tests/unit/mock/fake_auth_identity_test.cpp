// The fake auth server as the demo's identity provider: its JWKS and demo user tokens, checked
// with the gateway's own JWKS parser and JWT verifier.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kore_gateway/auth/jwk_set.hpp"
#include "kore_gateway/auth/jwt_verifier.hpp"
#include "kore_gateway/mock/fake_auth.hpp"
#include "kore_gateway/util/base64.hpp"
#include "unit/mock/fake_test_support.hpp"

namespace kore_gateway {
namespace {

using namespace kore_gateway::testing;
using json = nlohmann::json;

// Part index (0 header, 1 payload) of a compact JWS, as JSON; discarded when it is not that.
json jwt_part(const std::string& token, std::size_t index) {
    std::vector<std::string> parts{""};
    for (const char c : token) {
        if (c == '.') {
            parts.emplace_back();
        } else {
            parts.back() += c;
        }
    }
    const auto decoded = parts.size() == 3 ? base64url_decode(parts[index]) : std::nullopt;
    return json::parse(decoded.value_or(""), nullptr, false);
}

class fake_auth_identity_test : public ::testing::Test {
protected:
    test_response get_jwks() {
        return fetch(auth_.base_url(), http::verb::get, std::string(fake_auth::jwks_path));
    }

    // The served JWKS as the gateway reads it; a test failure when it is not usable.
    jwk_set jwks() {
        const auto res = get_jwks();
        EXPECT_EQ(res.result_int(), 200u) << res.body();
        auto parsed = parse_jwk_set(res.body());
        EXPECT_TRUE(parsed.set.has_value()) << parsed.error << " in " << res.body();
        return parsed.set.value_or(jwk_set{});
    }

    test_response post_demo_token() {
        return fetch(auth_.base_url(), http::verb::post, std::string(fake_auth::demo_token_path));
    }

    std::string demo_token() { return body_json(post_demo_token()).value("access_token", ""); }

    jwt_check verify(const std::string& token, const jwk_set& keys) {
        return verify_jwt(token, keys, {auth_.issuer(), std::string(demo_audience)},
                          std::chrono::system_clock::now());
    }

    fake_auth auth_{"client-1", "secret-1", "pss-api"};
};

TEST_F(fake_auth_identity_test, serves_one_rs256_signing_key_cached_for_five_minutes) {
    EXPECT_EQ(auth_.issuer(), auth_.base_url());
    EXPECT_EQ(auth_.jwks_url(), auth_.base_url() + "/.well-known/jwks.json");
    EXPECT_EQ(auth_.demo_token_url(), auth_.base_url() + "/demo/token");
    const auto res = get_jwks();
    ASSERT_EQ(res.result_int(), 200u) << res.body();
    EXPECT_EQ(res[http::field::content_type], "application/json");
    EXPECT_EQ(res[http::field::cache_control], "max-age=300");
    const auto parsed = parse_jwk_set(res.body());
    ASSERT_TRUE(parsed.set.has_value()) << parsed.error;
    EXPECT_TRUE(parsed.skipped.empty());
    ASSERT_EQ(parsed.set->keys.size(), 1u);
    const auto& key = parsed.set->keys[0];
    EXPECT_FALSE(key.kid.empty());
    EXPECT_EQ(key.kty, "RSA");
    EXPECT_EQ(key.alg, "RS256");
    // The same key until it is rotated.
    EXPECT_EQ(jwks().keys.at(0).kid, key.kid);
    EXPECT_EQ(auth_.jwks_requests(), 2u);
    EXPECT_EQ(auth_.token_requests(), 0u);
}

TEST_F(fake_auth_identity_test, a_demo_token_verifies_against_the_jwks_with_the_demo_claims) {
    const auto before = std::chrono::system_clock::now();
    const auto res = post_demo_token();
    const auto after = std::chrono::system_clock::now();
    ASSERT_EQ(res.result_int(), 200u) << res.body();
    EXPECT_EQ(res[http::field::cache_control], "no-store");
    EXPECT_EQ(res[http::field::access_control_allow_origin], "*");
    const auto body = body_json(res);
    expect_fields(body, {"access_token", "token_type", "expires_in"});
    EXPECT_EQ(body["token_type"], "Bearer");
    EXPECT_EQ(body["expires_in"], 3600);
    const auto token = body["access_token"].get<std::string>();

    const auto check = verify(token, jwks());
    ASSERT_EQ(check.status, jwt_status::valid) << check.reason;
    EXPECT_EQ(check.claims.sub, "demo-user");
    EXPECT_EQ(check.claims.scopes,
              (std::vector<std::string>{"deals:read", "deals:write", "catalog:read"}));

    const auto claims = jwt_part(token, 1);
    EXPECT_EQ(claims["iss"], auth_.issuer());
    EXPECT_EQ(claims["aud"], "kore-gateway");
    const auto seconds = [](auto time) {
        return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
    };
    const auto iat = claims["iat"].get<std::int64_t>();
    EXPECT_GE(iat, seconds(before));
    EXPECT_LE(iat, seconds(after));
    EXPECT_EQ(claims["nbf"], iat);
    EXPECT_EQ(claims["exp"], iat + 3600);
}

TEST_F(fake_auth_identity_test, rotation_publishes_only_a_new_key_under_a_new_kid) {
    const auto old_token = demo_token();
    const auto old_kid = jwks().keys.at(0).kid;
    EXPECT_EQ(jwt_part(old_token, 0)["kid"], old_kid);

    auth_.rotate_signing_key();
    const auto keys = jwks();
    ASSERT_EQ(keys.keys.size(), 1u);
    EXPECT_NE(keys.keys[0].kid, old_kid);
    EXPECT_EQ(verify(old_token, keys).status, jwt_status::unknown_kid);
    const auto new_token = demo_token();
    EXPECT_EQ(jwt_part(new_token, 0)["kid"], keys.keys[0].kid);
    EXPECT_EQ(verify(new_token, keys).status, jwt_status::valid);
}

TEST_F(fake_auth_identity_test, sign_uses_the_current_key_with_the_claims_given) {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    const json claims = {{"iss", auth_.issuer()},
                         {"aud", json::array({"other", demo_audience})},
                         {"sub", "test-user"},
                         {"scp", json::array({"deals:read"})},
                         {"exp", now + 60}};
    const auto token = auth_.sign(claims);
    EXPECT_EQ(jwt_part(token, 1), claims);
    const auto check = verify(token, jwks());
    ASSERT_EQ(check.status, jwt_status::valid) << check.reason;
    EXPECT_EQ(check.claims.sub, "test-user");
    EXPECT_EQ(check.claims.scopes, std::vector<std::string>{"deals:read"});
}

TEST_F(fake_auth_identity_test, signs_with_the_algorithm_it_is_set_to) {
    const struct {
        jwt_alg alg;
        const char* kty;
    } cases[] = {{jwt_alg::ps256, "RSA"},
                 {jwt_alg::es256, "EC"},
                 {jwt_alg::eddsa, "OKP"},
                 {jwt_alg::rs256, "RSA"}};
    std::string previous_kid;
    for (const auto& c : cases) {
        const auto name = std::string(to_string(c.alg));
        auth_.set_jwks_algorithm(c.alg);
        const auto keys = jwks();
        ASSERT_EQ(keys.keys.size(), 1u) << name;
        EXPECT_EQ(keys.keys[0].kty, c.kty) << name;
        EXPECT_EQ(keys.keys[0].alg, name);
        EXPECT_NE(keys.keys[0].kid, previous_kid) << name;
        previous_kid = keys.keys[0].kid;
        const auto token = demo_token();
        EXPECT_EQ(jwt_part(token, 0)["alg"], name);
        EXPECT_EQ(verify(token, keys).status, jwt_status::valid) << name;
    }
}

TEST_F(fake_auth_identity_test, an_unavailable_jwks_answers_503_until_available_again) {
    auth_.set_jwks_available(false);
    const auto res = get_jwks();
    EXPECT_EQ(res.result_int(), 503u);
    EXPECT_FALSE(parse_jwk_set(res.body()).set.has_value());
    // Tokens are still issued: only the key set is missing.
    EXPECT_FALSE(demo_token().empty());
    auth_.set_jwks_available(true);
    EXPECT_EQ(jwks().keys.size(), 1u);
    EXPECT_EQ(auth_.jwks_requests(), 2u);
}

TEST_F(fake_auth_identity_test, the_demo_token_endpoint_answers_a_cors_preflight) {
    const auto preflight = fetch(auth_.base_url(), http::verb::options, "/demo/token",
                                 {{"Origin", "http://127.0.0.1:8000"},
                                  {"Access-Control-Request-Method", "POST"},
                                  {"Access-Control-Request-Headers", "content-type"}});
    EXPECT_EQ(preflight.result_int(), 204u);
    EXPECT_EQ(preflight[http::field::access_control_allow_origin], "*");
    EXPECT_EQ(preflight[http::field::access_control_allow_methods], "POST");
    EXPECT_EQ(preflight[http::field::access_control_allow_headers], "Content-Type");
    EXPECT_TRUE(preflight.body().empty());

    // A browser can read the refusal of another method too.
    const auto get = fetch(auth_.base_url(), http::verb::get, "/demo/token");
    EXPECT_EQ(get.result_int(), 405u);
    EXPECT_EQ(get[http::field::allow], "POST");
    EXPECT_EQ(get[http::field::access_control_allow_origin], "*");
}

TEST_F(fake_auth_identity_test, the_jwks_answers_only_get_and_counts_only_those) {
    const auto post = fetch(auth_.base_url(), http::verb::post, "/.well-known/jwks.json");
    EXPECT_EQ(post.result_int(), 405u);
    EXPECT_EQ(post[http::field::allow], "GET");
    EXPECT_EQ(auth_.jwks_requests(), 0u);
}

} // namespace
} // namespace kore_gateway
