#include "kore_gateway/mock/demo_upstreams.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kore_gateway/app/demo_mode.hpp"
#include "kore_gateway/auth/form_encoding.hpp"
#include "kore_gateway/auth/jwk_set.hpp"
#include "kore_gateway/auth/jwt_verifier.hpp"
#include "kore_gateway/config/config_loader.hpp"
#include "support/test_client.hpp"

namespace kore_gateway {
namespace {

using namespace kore_gateway::testing;
using json = nlohmann::json;

// A token request to token_url as the gateway makes it for credentials.
test_response request_token(const demo_upstreams& demo, const std::string& token_url,
                            const client_credentials& credentials) {
    test_headers headers{{"Content-Type", "application/x-www-form-urlencoded"}};
    if (credentials.client_auth == client_auth_method::basic) {
        headers.emplace("Authorization", basic_authorization(credentials));
    }
    const auto base = token_url.substr(0, token_url.find("/connect/token"));
    return fetch({base, demo.ca_pem()}, http::verb::post, "/connect/token", std::move(headers),
                 make_token_request_body(credentials));
}

gateway_config config_from(const std::string& text) {
    return load_config_from_text(text, [](const std::string&) { return std::nullopt; });
}

TEST(demo_upstreams, starts_tls_upstreams_that_answer) {
    demo_upstreams demo;
    const auto& creds = demo.credentials();
    EXPECT_NE(demo.ca_pem().find("BEGIN CERTIFICATE"), std::string::npos);
    EXPECT_TRUE(demo.auth_token_url().starts_with("https://localhost:"));
    EXPECT_TRUE(demo.auth_token_url().ends_with("/connect/token"));
    EXPECT_TRUE(demo.kore_url().starts_with("https://localhost:"));
    EXPECT_TRUE(demo.catalog_url().starts_with("https://localhost:"));
    EXPECT_TRUE(demo.billing_url().starts_with("https://localhost:"));
    EXPECT_TRUE(demo.billing_token_url().ends_with("/connect/token"));
    EXPECT_NE(demo.billing_token_url(), demo.auth_token_url());

    // The demo credentials need no percent-encoding.
    auto token_res =
        fetch({demo.auth().base_url(), demo.ca_pem()}, http::verb::post, "/connect/token",
              {{"Content-Type", "application/x-www-form-urlencoded"}},
              "grant_type=client_credentials&scope=" + creds.scope +
                  "&client_id=" + creds.client_id + "&client_secret=" + creds.client_secret);
    ASSERT_EQ(token_res.result_int(), 200u) << token_res.body();
    auto token = json::parse(token_res.body())["access_token"].get<std::string>();

    auto deal = fetch({demo.kore_url(), demo.ca_pem()}, http::verb::get,
                      "/aggregates/premium-deal-summaries/by-opportunity/" +
                          std::string(sample_opportunity_id),
                      {{"X-Api-Key", creds.kore_api_key}, {"Authorization", "Bearer " + token}});
    EXPECT_EQ(deal.result_int(), 200u) << deal.body();

    // The demo catalog wants its API key and no token.
    auto products = fetch({demo.catalog_url(), demo.ca_pem()}, http::verb::get, "/api/v1/products",
                          {{"X-Api-Key", creds.catalog_api_key}});
    EXPECT_EQ(products.result_int(), 200u) << products.body();
    auto without_key =
        fetch({demo.catalog_url(), demo.ca_pem()}, http::verb::get, "/api/v1/products");
    EXPECT_EQ(without_key.result_int(), 401u);
}

TEST(demo_upstreams, a_browser_gets_a_demo_token_over_plain_http_that_the_tls_jwks_verifies) {
    demo_upstreams demo;
    const std::string token_path(fake_auth::demo_token_path);
    ASSERT_TRUE(demo.demo_token_url().starts_with("http://127.0.0.1:"));
    ASSERT_TRUE(demo.demo_token_url().ends_with(token_path));
    const auto browser_base =
        demo.demo_token_url().substr(0, demo.demo_token_url().size() - token_path.size());
    const auto res = fetch(browser_base, http::verb::post, token_path);
    ASSERT_EQ(res.result_int(), 200u) << res.body();
    EXPECT_EQ(res[http::field::access_control_allow_origin], "*");
    const auto token = json::parse(res.body())["access_token"].get<std::string>();

    EXPECT_EQ(demo.jwks_url(), demo.auth().base_url() + "/.well-known/jwks.json");
    const auto jwks =
        fetch({demo.auth().base_url(), demo.ca_pem()}, http::verb::get, "/.well-known/jwks.json");
    const auto keys = parse_jwk_set(jwks.body());
    ASSERT_TRUE(keys.set.has_value()) << keys.error;
    const auto check = verify_jwt(token, *keys.set, {demo.jwt_issuer(), std::string(demo_audience)},
                                  std::chrono::system_clock::now());
    EXPECT_EQ(check.status, jwt_status::valid) << check.reason;

    // Only the demo token endpoint is on plain HTTP: client credentials stay behind TLS.
    const auto token_request = fetch(browser_base, http::verb::post, "/connect/token");
    EXPECT_EQ(token_request.result_int(), 404u);
    EXPECT_EQ(demo.auth().token_requests(), 0u);
}

TEST(demo_mode, leaves_billing_out_of_a_config_that_does_not_declare_it) {
    demo_upstreams demo;
    const auto config = with_demo_upstreams(config_from("{}"), demo);
    ASSERT_EQ(config.upstreams.size(), 2u);
    EXPECT_EQ(config.find_upstream("kore")->base_url.origin(), demo.kore_url());
    EXPECT_EQ(config.find_upstream("catalog")->api_key, demo.credentials().catalog_api_key);
    EXPECT_EQ(config.find_upstream("billing"), nullptr);
    EXPECT_EQ(demo_startup_line(config, demo).find("billing"), std::string::npos);
}

TEST(demo_mode, points_a_declared_billing_at_the_fake_in_the_configured_key_header) {
    demo_upstreams demo;
    const auto file = R"({"upstreams": {"billing": {"url": "https://billing.example.com",
                                                 "api_key_header": "Ocp-Apim-Subscription-Key"}}})";
    const auto config = with_demo_upstreams(config_from(file), demo);
    const auto* billing = config.find_upstream("billing");
    ASSERT_NE(billing, nullptr);
    EXPECT_EQ(billing->base_url.origin(), demo.billing_url());
    EXPECT_EQ(billing->api_key, demo.credentials().billing_api_key);
    EXPECT_EQ(billing->api_key_header, "Ocp-Apim-Subscription-Key");
    EXPECT_EQ(demo.billing().api_key_header(), "ocp-apim-subscription-key");
    ASSERT_TRUE(billing->auth.has_value());
    EXPECT_EQ(billing->auth->client_auth, client_auth_method::basic);
    EXPECT_EQ(billing->auth->audience, demo.credentials().billing_audience);
    EXPECT_NE(demo_startup_line(config, demo).find(demo.billing_url()), std::string::npos);

    // What the gateway will send with these credentials gets a token, which the fake accepts.
    const auto token_res = request_token(demo, demo.billing_token_url(), *billing->auth);
    ASSERT_EQ(token_res.result_int(), 200u) << token_res.body();
    const auto token = json::parse(token_res.body())["access_token"].get<std::string>();
    const auto invoice = fetch(
        {demo.billing_url(), demo.ca_pem()}, http::verb::get,
        "/v1/invoices/" + std::string(sample_invoice_id),
        {{"Ocp-Apim-Subscription-Key", billing->api_key}, {"Authorization", "Bearer " + token}});
    EXPECT_EQ(invoice.result_int(), 200u) << invoice.body();

    // The billing token server refuses the credentials in the form, or no audience.
    auto in_form = *billing->auth;
    in_form.client_auth = client_auth_method::body;
    EXPECT_EQ(request_token(demo, demo.billing_token_url(), in_form).result_int(), 401u);
    auto no_audience = *billing->auth;
    no_audience.audience.clear();
    EXPECT_EQ(request_token(demo, demo.billing_token_url(), no_audience).result_int(), 400u);
}

TEST(demo_mode, an_upstream_without_a_mock_stays_as_configured_and_the_log_line_says_so) {
    demo_upstreams demo;
    const auto config = with_demo_upstreams(
        config_from(R"({"upstreams": {"crm": {"url": "https://crm.example.com/api"},
                                      "erp": {}}})"),
        demo);
    const auto* crm = config.find_upstream("crm");
    ASSERT_NE(crm, nullptr);
    EXPECT_EQ(crm->base_url.host, "crm.example.com");
    EXPECT_EQ(config.find_upstream("erp"), nullptr);
    const auto line = demo_startup_line(config, demo);
    EXPECT_NE(line.find(demo.kore_url()), std::string::npos) << line;
    EXPECT_NE(
        line.find("'crm' has no mock and stays as configured (https://crm.example.com:443/api)"),
        std::string::npos)
        << line;
    EXPECT_NE(line.find("'erp' has no mock"), std::string::npos) << line;
}

} // namespace
} // namespace kore_gateway
