#include "kore_gateway/util/url.hpp"

#include <gtest/gtest.h>

namespace kore_gateway {
namespace {

TEST(parse_url, https_with_default_port_and_path) {
    auto u = parse_url("https://api.example.com/v1/");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->scheme, "https");
    EXPECT_EQ(u->host, "api.example.com");
    EXPECT_EQ(u->port, 443);
    EXPECT_EQ(u->path, "/v1");
    EXPECT_EQ(u->host_header(), "api.example.com");
    EXPECT_TRUE(u->is_tls());
}

TEST(parse_url, http_with_explicit_port) {
    auto u = parse_url("http://127.0.0.1:8443");
    ASSERT_TRUE(u);
    EXPECT_FALSE(u->is_tls());
    EXPECT_EQ(u->port, 8443);
    EXPECT_EQ(u->path, "");
    EXPECT_EQ(u->host_header(), "127.0.0.1:8443");
    EXPECT_EQ(u->origin(), "http://127.0.0.1:8443");
}

TEST(parse_url, rejects_what_is_not_a_plain_base_url) {
    for (const char* bad :
         {"", "ftp://x", "https://", "https://user:pw@host", "https://h:0", "https://h:70000",
          "https://h:12a", "https://h/p?q=1", "https://h/#f", "https://h o", "api.example.com"}) {
        EXPECT_FALSE(parse_url(bad)) << bad;
    }
}

} // namespace
} // namespace kore_gateway
