#include "kore_gateway/http/router.hpp"

#include <gtest/gtest.h>

namespace kore_gateway {
namespace {

using outcome = route_match::outcome;

struct router_case {
    http::verb method;
    std::string path;
    outcome expected;
    std::string route; // expected route name when the path is known
};

TEST(router, table_of_paths_and_methods) {
    const router r(gateway_routes());
    const std::vector<router_case> cases{
        {http::verb::get, "/deals/1234abcd-1234-abcd-123456789abc", outcome::matched, "deal"},
        {http::verb::get, "/catalog/products", outcome::matched, "catalog_products"},
        {http::verb::get, "/catalog/products/p_1/offers", outcome::matched, "catalog_offers"},
        {http::verb::post, "/catalog/products/p1/offers/o-2/price", outcome::matched,
         "catalog_price"},
        {http::verb::get, "/healthz", outcome::matched, "healthz"},
        {http::verb::get, "/readyz", outcome::matched, "readyz"},
        {http::verb::get, "/metrics", outcome::matched, "metrics"},
        {http::verb::post, "/admin/cache/purge", outcome::matched, "admin_cache_purge"},
        {http::verb::post, "/deals/abc", outcome::method_not_allowed, "deal"},
        {http::verb::get, "/catalog/products/p1/offers/o2/price", outcome::method_not_allowed,
         "catalog_price"},
        {http::verb::delete_, "/catalog/products", outcome::method_not_allowed, "catalog_products"},
        {http::verb::get, "/admin/cache/purge", outcome::method_not_allowed, "admin_cache_purge"},
        {http::verb::get, "/", outcome::not_found, ""},
        {http::verb::get, "", outcome::not_found, ""},
        {http::verb::get, "/deals", outcome::not_found, ""},
        {http::verb::get, "/deals/", outcome::bad_parameter, "deal"},
        {http::verb::get, "/deals/a/b", outcome::not_found, ""},
        {http::verb::get, "/catalog/products/", outcome::not_found, ""},
        {http::verb::get, "/catalog/product", outcome::not_found, ""},
        {http::verb::get, "/healthz/", outcome::not_found, ""},
        {http::verb::get, "/deals/..", outcome::bad_parameter, "deal"},
        {http::verb::get, "/deals/a%2Fb", outcome::bad_parameter, "deal"},
        {http::verb::get, "/deals/a.b", outcome::bad_parameter, "deal"},
        {http::verb::get, "/deals/" + std::string(128, 'x'), outcome::matched, "deal"},
        {http::verb::get, "/deals/" + std::string(129, 'x'), outcome::bad_parameter, "deal"},
        {http::verb::post, "/catalog/products/p1/offers/o%20/price", outcome::bad_parameter,
         "catalog_price"},
    };
    for (const auto& c : cases) {
        const auto m = r.match(c.method, c.path);
        EXPECT_EQ(m.result, c.expected) << c.path;
        if (c.expected == outcome::not_found) {
            EXPECT_EQ(m.matched_route, nullptr) << c.path;
        } else {
            ASSERT_NE(m.matched_route, nullptr) << c.path;
            EXPECT_EQ(m.matched_route->name, c.route) << c.path;
        }
    }
}

TEST(router, extracts_named_parameters) {
    const router r(gateway_routes());
    const auto m = r.match(http::verb::post, "/catalog/products/prod-1/offers/offer_9/price");
    ASSERT_EQ(m.result, outcome::matched);
    ASSERT_EQ(m.params.size(), 2u);
    EXPECT_EQ(m.params[0].first, "productId");
    EXPECT_EQ(m.params[0].second, "prod-1");
    EXPECT_EQ(m.params[1].first, "offerId");
    EXPECT_EQ(m.params[1].second, "offer_9");
}

TEST(router, method_not_allowed_lists_allowed_methods) {
    const router r(gateway_routes());
    EXPECT_EQ(r.match(http::verb::put, "/deals/x").allow, "GET");
    EXPECT_EQ(r.match(http::verb::get, "/admin/cache/purge").allow, "POST");
}

TEST(router, bad_parameter_names_the_parameter) {
    const router r(gateway_routes());
    const auto m = r.match(http::verb::get, "/catalog/products/bad$id/offers");
    EXPECT_EQ(m.result, outcome::bad_parameter);
    EXPECT_NE(m.problem.find("productId"), std::string::npos);
    EXPECT_TRUE(m.params.empty());
}

TEST(router, parameter_syntax) {
    EXPECT_TRUE(is_valid_parameter("aZ09_-"));
    EXPECT_FALSE(is_valid_parameter(""));
    for (const char* bad : {"a b", "a/b", "a?b", "a#b", "a%20", "é", "a.b", "a\nb", "a+b"}) {
        EXPECT_FALSE(is_valid_parameter(bad)) << bad;
    }
}

} // namespace
} // namespace kore_gateway
