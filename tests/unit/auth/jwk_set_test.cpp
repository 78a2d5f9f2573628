#include "kore_gateway/auth/jwk_set.hpp"

#include <gtest/gtest.h>
#include <openssl/err.h>

#include "kore_gateway/mock/jwt_signer.hpp"
#include "kore_gateway/util/base64.hpp"
#include "unit/auth/jwt_test_keys.hpp"

namespace kore_gateway {
namespace {

using json = nlohmann::json;

json with(json jwk, const std::string& member, json value) {
    jwk[member] = std::move(value);
    return jwk;
}

json without(json jwk, const std::string& member) {
    jwk.erase(member);
    return jwk;
}

// The EC JWK with the last byte of y changed: almost surely no longer a point on the curve.
json off_curve(json jwk) {
    auto y = *base64url_decode(jwk["y"].get<std::string>());
    y.back() = static_cast<char>(y.back() ^ 0x01);
    jwk["y"] = base64url_encode(y);
    return jwk;
}

TEST(parse_jwk_set, keeps_every_supported_key_type_with_its_members) {
    const auto& k = testing::jwt_keys();
    const auto parsed =
        parse_jwk_set(jwt_signer::jwks({&k.rs256, &k.ps256, &k.es256, &k.eddsa}).dump());
    ASSERT_TRUE(parsed.set) << parsed.error;
    EXPECT_TRUE(parsed.skipped.empty());
    const auto& set = parsed.set->keys;
    ASSERT_EQ(set.size(), 4U);
    const std::vector<std::tuple<std::string, std::string, std::string, std::string>> expected = {
        {"rsa-1", "RSA", "", "RS256"},
        {"pss-1", "RSA", "", "PS256"},
        {"ec-1", "EC", "P-256", "ES256"},
        {"ed-1", "OKP", "Ed25519", "EdDSA"}};
    for (std::size_t i = 0; i < set.size(); ++i) {
        EXPECT_EQ(std::tie(set[i].kid, set[i].kty, set[i].crv, set[i].alg), expected[i]);
        EXPECT_NE(set[i].key, nullptr);
    }
}

TEST(parse_jwk_set, keeps_keys_without_kid_alg_or_use) {
    json jwk = testing::jwt_keys().es256.public_jwk();
    for (const char* member : {"kid", "alg", "use"}) {
        jwk.erase(member);
    }
    const auto parsed = parse_jwk_set(json{{"keys", {jwk}}}.dump());
    ASSERT_TRUE(parsed.set) << parsed.error;
    EXPECT_EQ(parsed.set->keys.at(0).kid, "");
    EXPECT_EQ(parsed.set->keys.at(0).alg, "");
}

TEST(parse_jwk_set, skips_unusable_keys_and_keeps_the_rest) {
    const auto& k = testing::jwt_keys();
    const json rsa = k.rs256.public_jwk();
    const json ec = k.es256.public_jwk();
    const json ed = k.eddsa.public_jwk();
    const auto short_x = base64url_encode(std::string(31, 'x'));
    const struct {
        const char* name;
        json jwk;
        const char* reason;
    } cases[] = {
        {"oct", {{"kty", "oct"}, {"k", "c2VjcmV0"}, {"kid", "h"}}, "oct"},
        {"use enc", with(rsa, "use", "enc"), "use"},
        {"key_ops without verify", with(rsa, "key_ops", {"encrypt"}), "key_ops"},
        {"EC private d", with(ec, "d", ec["x"]), "private"},
        {"OKP private d", with(ed, "d", ed["x"]), "private"},
        {"RSA private p", with(rsa, "p", rsa["e"]), "private"},
        {"RSA of 1024 bits", jwt_signer(jwt_alg::rs256, "small", 1024).public_jwk(), "1024 bits"},
        {"RSA without e", without(rsa, "e"), "\"e\""},
        {"RSA n not base64url", with(rsa, "n", rsa["n"].get<std::string>() + "="), "\"n\""},
        {"RSA even exponent", with(rsa, "e", "Ag"), "exponent"},
        {"EC point not on the curve", off_curve(ec), "P-256"},
        {"EC coordinate of 31 bytes", with(ec, "x", short_x), "32 bytes"},
        {"EC P-384", with(ec, "crv", "P-384"), "curve"},
        {"OKP X25519", with(ed, "crv", "X25519"), "curve"},
        {"Ed25519 key of 31 bytes", with(ed, "x", short_x), "32 bytes"},
        {"unknown kty", with(rsa, "kty", "XYZ"), "kty"},
        {"no kty", without(rsa, "kty"), "kty"},
        {"alg not accepted", with(rsa, "alg", "RS384"), "alg"},
        {"alg none", with(rsa, "alg", "none"), "alg"},
        {"alg HS256", with(rsa, "alg", "HS256"), "alg"},
        {"alg of another key type", with(ec, "alg", "RS256"), "alg"},
        {"kid not a string", with(ec, "kid", 7), "kid"},
        {"not an object", json(42), "object"},
    };
    for (const auto& c : cases) {
        ERR_clear_error();
        const auto parsed = parse_jwk_set(json{{"keys", {c.jwk, ed}}}.dump());
        EXPECT_EQ(ERR_peek_error(), 0UL) << c.name; // TLS code on this thread reads that queue
        ASSERT_TRUE(parsed.set) << c.name;
        ASSERT_EQ(parsed.set->keys.size(), 1U) << c.name;
        EXPECT_EQ(parsed.set->keys[0].kty, "OKP") << c.name;
        ASSERT_EQ(parsed.skipped.size(), 1U) << c.name;
        EXPECT_NE(parsed.skipped[0].find("keys[0]"), std::string::npos) << parsed.skipped[0];
        EXPECT_NE(parsed.skipped[0].find(c.reason), std::string::npos)
            << c.name << ": " << parsed.skipped[0];
    }
}

TEST(parse_jwk_set, fails_without_json_a_keys_array_or_a_usable_key) {
    const auto oct = json{{"kty", "oct"}, {"k", "c2VjcmV0"}};
    for (const std::string& document :
         {std::string("not json"), std::string("{\"keys\": ["), std::string("[]"),
          std::string("{}"), std::string("{\"keys\": {}}"), std::string("{\"keys\": []}"),
          json{{"keys", {oct}}}.dump()}) {
        const auto parsed = parse_jwk_set(document);
        EXPECT_FALSE(parsed.set) << document;
        EXPECT_FALSE(parsed.error.empty()) << document;
    }
}

TEST(key_fits, matches_alg_to_key_type_and_to_the_jwks_alg) {
    const auto& k = testing::jwt_keys();
    const auto parsed = parse_jwk_set(
        json{{"keys",
              {without(k.rs256.public_jwk(), "alg"), k.ps256.public_jwk(),
               without(k.es256.public_jwk(), "alg"), without(k.eddsa.public_jwk(), "alg")}}}
            .dump());
    ASSERT_TRUE(parsed.set) << parsed.error;
    const auto& rsa_any = parsed.set->keys.at(0);
    const auto& rsa_pss = parsed.set->keys.at(1);
    const auto& ec = parsed.set->keys.at(2);
    const auto& ed = parsed.set->keys.at(3);
    const struct {
        const jwk& key;
        jwt_alg alg;
        bool fits;
    } cases[] = {
        {rsa_any, jwt_alg::rs256, true},  {rsa_any, jwt_alg::ps256, true},
        {rsa_any, jwt_alg::es256, false}, {rsa_any, jwt_alg::eddsa, false},
        {rsa_pss, jwt_alg::ps256, true},  {rsa_pss, jwt_alg::rs256, false},
        {ec, jwt_alg::es256, true},       {ec, jwt_alg::rs256, false},
        {ec, jwt_alg::eddsa, false},      {ed, jwt_alg::eddsa, true},
        {ed, jwt_alg::es256, false},      {ed, jwt_alg::ps256, false},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(key_fits(c.key, c.alg), c.fits) << c.key.kid << " " << to_string(c.alg);
    }
}

TEST(choose_key, by_kid_tells_an_unknown_kid_from_a_key_that_does_not_fit) {
    const auto& k = testing::jwt_keys();
    const auto parsed = parse_jwk_set(jwt_signer::jwks({&k.rs256, &k.es256}).dump());
    ASSERT_TRUE(parsed.set) << parsed.error;
    const auto& set = *parsed.set;

    auto choice = choose_key(set, "ec-1", jwt_alg::es256);
    ASSERT_EQ(choice.status, key_choice_status::found);
    EXPECT_EQ(choice.key, &set.keys[1]);

    choice = choose_key(set, "rotated-away", jwt_alg::es256);
    EXPECT_EQ(choice.status, key_choice_status::unknown_kid);
    EXPECT_EQ(choice.key, nullptr);

    choice = choose_key(set, "ec-1", jwt_alg::rs256);
    EXPECT_EQ(choice.status, key_choice_status::no_fitting_key);
    EXPECT_EQ(choice.key, nullptr);
}

TEST(choose_key, without_kid_only_when_exactly_one_key_fits) {
    const auto& k = testing::jwt_keys();
    const jwt_signer other_ec(jwt_alg::es256, "ec-2");
    const auto parsed = parse_jwk_set(jwt_signer::jwks({&k.rs256, &k.es256, &other_ec}).dump());
    ASSERT_TRUE(parsed.set) << parsed.error;
    const auto& set = *parsed.set;

    auto choice = choose_key(set, std::nullopt, jwt_alg::rs256);
    ASSERT_EQ(choice.status, key_choice_status::found);
    EXPECT_EQ(choice.key, &set.keys[0]);

    choice = choose_key(set, std::nullopt, jwt_alg::es256);
    EXPECT_EQ(choice.status, key_choice_status::no_fitting_key);

    choice = choose_key(set, std::nullopt, jwt_alg::eddsa);
    EXPECT_EQ(choice.status, key_choice_status::no_fitting_key);
}

TEST(jwt_alg, names_only_the_four_accepted_algorithms) {
    for (const auto alg : {jwt_alg::rs256, jwt_alg::ps256, jwt_alg::es256, jwt_alg::eddsa}) {
        EXPECT_EQ(parse_jwt_alg(to_string(alg)), alg);
    }
    for (const char* other : {"none", "None", "HS256", "rs256", "ES384", "Ed25519", "RS256 ", ""}) {
        EXPECT_FALSE(parse_jwt_alg(other)) << other;
    }
}

} // namespace
} // namespace kore_gateway
