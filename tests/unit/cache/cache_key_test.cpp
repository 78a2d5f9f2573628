#include "kore_gateway/cache/cache_key.hpp"

#include <gtest/gtest.h>

namespace kore_gateway {
namespace {

std::string key_for_query(std::string_view query) {
    return make_cache_key("catalog", "GET", "/api/v1/products/p1/offers", query);
}

TEST(cache_key, joins_the_parts_with_newlines) {
    EXPECT_EQ(make_cache_key("catalog", "GET", "/api/v1/products", "b=2&a=1"),
              "catalog\nGET\n/api/v1/products\na=1&b=2");
    EXPECT_EQ(make_cache_key("kore", "GET", "/deals/x", ""), "kore\nGET\n/deals/x\n");
}

TEST(cache_key, parameter_order_does_not_matter) {
    EXPECT_EQ(key_for_query("b=2&a=1"), key_for_query("a=1&b=2"));
    EXPECT_EQ(key_for_query("customerId=C&x=1&a=9"), key_for_query("a=9&customerId=C&x=1"));
}

TEST(cache_key, sorts_by_name_then_value) {
    EXPECT_EQ(key_for_query("a=2&b=0&a=1"), key_for_query("a=1&a=2&b=0"));
    EXPECT_EQ(key_for_query("a=2&b=0&a=1"),
              "catalog\nGET\n/api/v1/products/p1/offers\na=1&a=2&b=0");
    // By name first: "a" sorts before "ab" although '=' sorts after 'b' as a character.
    EXPECT_EQ(key_for_query("ab=1&a=2"), "catalog\nGET\n/api/v1/products/p1/offers\na=2&ab=1");
}

TEST(cache_key, duplicates_are_kept) {
    EXPECT_NE(key_for_query("a=1&a=1"), key_for_query("a=1"));
    EXPECT_EQ(key_for_query("a=1&b=2&a=1"), key_for_query("a=1&a=1&b=2"));
}

TEST(cache_key, empty_parameters_are_dropped) {
    EXPECT_EQ(key_for_query("&a=1&&b=2&"), key_for_query("a=1&b=2"));
    EXPECT_EQ(key_for_query("&&"), key_for_query(""));
}

TEST(cache_key, a_bare_name_and_an_empty_value_stay_distinct) {
    EXPECT_NE(key_for_query("a"), key_for_query("a="));
    EXPECT_EQ(key_for_query("a=&a"), key_for_query("a&a="));
}

TEST(cache_key, values_are_part_of_the_key) {
    EXPECT_NE(key_for_query("customerId=C1"), key_for_query("customerId=C2"));
    EXPECT_NE(key_for_query("customerId=C1"), key_for_query(""));
}

TEST(cache_key, upstream_method_and_path_are_part_of_the_key) {
    const auto base = make_cache_key("catalog", "GET", "/p", "a=1");
    EXPECT_NE(base, make_cache_key("kore", "GET", "/p", "a=1"));
    EXPECT_NE(base, make_cache_key("catalog", "HEAD", "/p", "a=1"));
    EXPECT_NE(base, make_cache_key("catalog", "GET", "/q", "a=1"));
    // The separator keeps shifted boundaries apart.
    EXPECT_NE(make_cache_key("ab", "GET", "/p", ""), make_cache_key("a", "bGET", "/p", ""));
}

} // namespace
} // namespace kore_gateway
