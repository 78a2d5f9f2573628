#include "kore_gateway/mock/demo_upstreams.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "unit/mock/test_http_client.hpp"

namespace kore_gateway {
namespace {

using namespace kore_gateway::testing;
using json = nlohmann::json;

TEST(demo_upstreams, starts_three_tls_upstreams_that_answer) {
    demo_upstreams demo;
    const auto& creds = demo.credentials();
    EXPECT_NE(demo.ca_pem().find("BEGIN CERTIFICATE"), std::string::npos);
    EXPECT_TRUE(demo.auth_token_url().starts_with("https://localhost:"));
    EXPECT_TRUE(demo.auth_token_url().ends_with("/connect/token"));
    EXPECT_TRUE(demo.kore_url().starts_with("https://localhost:"));
    EXPECT_TRUE(demo.catalog_url().starts_with("https://localhost:"));

    // The demo credentials need no percent-encoding.
    auto token_res = fetch(demo.auth().base_url(),
                           make_request(http::verb::post, "/connect/token",
                                        "grant_type=client_credentials&scope=" + creds.scope +
                                            "&client_id=" + creds.client_id +
                                            "&client_secret=" + creds.client_secret,
                                        {{"Content-Type", "application/x-www-form-urlencoded"}}),
                           demo.ca_pem());
    ASSERT_EQ(token_res.result_int(), 200u) << token_res.body();
    auto token = json::parse(token_res.body())["access_token"].get<std::string>();

    auto deal = fetch(
        demo.kore_url(),
        make_request(http::verb::get,
                     "/aggregates/premium-deal-summaries/by-opportunity/" +
                         std::string(sample_opportunity_id),
                     {}, {{"X-Api-Key", creds.kore_api_key}, {"Authorization", "Bearer " + token}}),
        demo.ca_pem());
    EXPECT_EQ(deal.result_int(), 200u) << deal.body();

    // The demo catalog wants its API key and no token.
    auto products = fetch(demo.catalog_url(),
                          make_request(http::verb::get, "/api/v1/products", {},
                                       {{"X-Api-Key", creds.catalog_api_key}}),
                          demo.ca_pem());
    EXPECT_EQ(products.result_int(), 200u) << products.body();
    auto without_key =
        fetch(demo.catalog_url(), make_request(http::verb::get, "/api/v1/products"), demo.ca_pem());
    EXPECT_EQ(without_key.result_int(), 401u);
}

} // namespace
} // namespace kore_gateway
