#include "kore_gateway/gateway/local_endpoints.hpp"

#include <gtest/gtest.h>

namespace kore_gateway {
namespace {

TEST(local_endpoints, match_their_exact_paths_and_methods) {
    const auto health = match_local_endpoint(http::verb::get, "/healthz");
    EXPECT_EQ(health.result, local_match::outcome::matched);
    EXPECT_EQ(health.endpoint, local_endpoint::healthz);
    EXPECT_EQ(health.name, "healthz");
    EXPECT_EQ(match_local_endpoint(http::verb::head, "/metrics").endpoint, local_endpoint::metrics);
    EXPECT_EQ(match_local_endpoint(http::verb::get, "/openapi.json").endpoint,
              local_endpoint::openapi);
    EXPECT_EQ(match_local_endpoint(http::verb::post, "/admin/cache/purge").endpoint,
              local_endpoint::admin_cache_purge);
}

TEST(local_endpoints, other_methods_are_not_allowed_with_the_allow_list) {
    const auto purge = match_local_endpoint(http::verb::get, "/admin/cache/purge");
    EXPECT_EQ(purge.result, local_match::outcome::method_not_allowed);
    EXPECT_EQ(purge.allow, "POST");
    const auto ready = match_local_endpoint(http::verb::post, "/readyz");
    EXPECT_EQ(ready.result, local_match::outcome::method_not_allowed);
    EXPECT_EQ(ready.allow, "GET, HEAD");
}

TEST(local_endpoints, other_paths_are_not_found) {
    for (const auto* path : {"/", "/healthz/", "/healthzz", "/admin/cache", "/catalog/products"}) {
        EXPECT_EQ(match_local_endpoint(http::verb::get, path).result,
                  local_match::outcome::not_found)
            << path;
    }
}

} // namespace
} // namespace kore_gateway
