#include "kore_gateway/app/demo_mode.hpp"

#include <gtest/gtest.h>

#include "unit/config/config_test_support.hpp"

namespace kore_gateway {
namespace {

using namespace kore_gateway::testing;

// One demo for every test: its six servers and its CA take a while to start.
class demo_identity_test : public ::testing::Test {
protected:
    static void SetUpTestSuite() { demo_ = new demo_upstreams(); }
    static void TearDownTestSuite() {
        delete demo_;
        demo_ = nullptr;
    }

    static demo_upstreams* demo_;
};

demo_upstreams* demo_identity_test::demo_ = nullptr;

TEST_F(demo_identity_test, supplies_the_demo_identity_provider_where_the_environment_does_not) {
    const struct {
        const char* name;
        env_map env;
        std::string jwks_url;
        std::string issuer;
        std::string audience;
    } cases[] = {
        {"all unset", {}, demo_->jwks_url(), demo_->jwt_issuer(), "kore-gateway"},
        {"all empty",
         {{"GATEWAY_JWT_JWKS_URL", ""}, {"GATEWAY_JWT_ISSUER", ""}, {"GATEWAY_JWT_AUDIENCE", ""}},
         demo_->jwks_url(),
         demo_->jwt_issuer(),
         "kore-gateway"},
        {"all set",
         {{"GATEWAY_JWT_JWKS_URL", "https://idp.example.com/jwks"},
          {"GATEWAY_JWT_ISSUER", "https://idp.example.com/"},
          {"GATEWAY_JWT_AUDIENCE", "my-api"}},
         "https://idp.example.com/jwks",
         "https://idp.example.com/",
         "my-api"},
        {"only the audience set",
         {{"GATEWAY_JWT_AUDIENCE", "my-api"}},
         demo_->jwks_url(),
         demo_->jwt_issuer(),
         "my-api"},
    };
    for (const auto& c : cases) {
        const auto env = with_demo_identity(fake_env(c.env), *demo_);
        EXPECT_EQ(env("GATEWAY_JWT_JWKS_URL"), c.jwks_url) << c.name;
        EXPECT_EQ(env("GATEWAY_JWT_ISSUER"), c.issuer) << c.name;
        EXPECT_EQ(env("GATEWAY_JWT_AUDIENCE"), c.audience) << c.name;
    }
}

TEST_F(demo_identity_test, leaves_every_other_variable_as_the_environment_has_it) {
    const auto env = with_demo_identity(
        fake_env({{"GATEWAY_CLIENT_AUTH", "jwt"}, {"GATEWAY_PORT", ""}}), *demo_);
    EXPECT_EQ(env("GATEWAY_CLIENT_AUTH"), "jwt");
    EXPECT_EQ(env("GATEWAY_PORT"), "");
    EXPECT_EQ(env("GATEWAY_JWT_LEEWAY_S"), std::nullopt);
    EXPECT_EQ(env("KORE_API_URL"), std::nullopt);
}

TEST_F(demo_identity_test, jwt_client_auth_loads_with_nothing_but_gateway_client_auth_set) {
    const auto config = load_config_from_text(
        "{}", with_demo_identity(fake_env({{"GATEWAY_CLIENT_AUTH", "jwt"}}), *demo_));
    EXPECT_TRUE(config.client_auth.jwt);
    ASSERT_TRUE(config.jwt.configured());
    EXPECT_EQ(config.jwt.jwks_url->origin() + config.jwt.jwks_url->path, demo_->jwks_url());
    EXPECT_EQ(config.jwt.issuer, demo_->jwt_issuer());
    EXPECT_EQ(config.jwt.audience, "kore-gateway");
}

TEST_F(demo_identity_test, the_startup_line_names_the_jwks_and_the_demo_token_url) {
    const auto config = with_demo_upstreams(load("{}"), *demo_);
    const auto line = demo_startup_line(config, *demo_);
    EXPECT_NE(line.find("; identity provider: JWKS " + demo_->jwks_url() +
                        ", demo user token: POST " + demo_->demo_token_url()),
              std::string::npos)
        << line;
}

} // namespace
} // namespace kore_gateway
