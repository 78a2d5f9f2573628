// The demo configuration answers both documented curl lines with realistic JSON.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/gateway_with_fakes.hpp"
#include "support/test_client.hpp"

namespace kore_gateway::testing {
namespace {

TEST(demo_mode, answers_the_catalog_and_deal_curl_lines) {
    gateway_with_fakes gw;
    const auto products = fetch(gw.port(), http::verb::get, "/catalog/products");
    ASSERT_EQ(products.result_int(), 200) << products.body();
    const auto categories = nlohmann::json::parse(products.body());
    ASSERT_TRUE(categories.is_array());
    ASSERT_FALSE(categories.empty());
    for (const char* field : {"categoryId", "categoryName", "products"}) {
        EXPECT_TRUE(categories[0].contains(field)) << field;
    }
    const auto deal = fetch(gw.port(), http::verb::get, "/deals/1234abcd-1234-abcd-123456789abc");
    ASSERT_EQ(deal.result_int(), 200) << deal.body();
    const auto summary = nlohmann::json::parse(deal.body());
    EXPECT_EQ(summary[0]["premium_deal_id"], "1234abcd-1234-abcd-123456789abc");
    EXPECT_TRUE(summary[0].contains("premium_deal_total"));
}

TEST(demo_mode, is_ready_once_the_token_is_there) {
    gateway_with_fakes gw;
    unsigned status = 0;
    for (int attempt = 0; attempt < 100 && status != 200; ++attempt) {
        status = fetch(gw.port(), http::verb::get, "/readyz").result_int();
        if (status != 200) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    EXPECT_EQ(status, 200u);
}

} // namespace
} // namespace kore_gateway::testing
