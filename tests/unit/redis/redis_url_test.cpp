#include "kore_gateway/redis/redis_url.hpp"

#include <gtest/gtest.h>

namespace kore_gateway {
namespace {

struct accepted_url_case {
    const char* text;
    redis_url expected;
    const char* normal_form;
};

TEST(parse_redis_url, accepts_the_forms_of_the_contract) {
    const accepted_url_case cases[] = {
        {"redis://127.0.0.1:6380", {false, "127.0.0.1", 6380, "", 0}, "redis://127.0.0.1:6380/0"},
        {"redis://cache.internal:6379/2",
         {false, "cache.internal", 6379, "", 2},
         "redis://cache.internal:6379/2"},
        {"rediss://gateway@redis.example.com:6380/0",
         {true, "redis.example.com", 6380, "gateway", 0},
         "rediss://gateway@redis.example.com:6380/0"},
        {"redis://[::1]:7000/", {false, "::1", 7000, "", 0}, "redis://[::1]:7000/0"},
        {"redis://redis", {false, "redis", 6379, "", 0}, "redis://redis:6379/0"},
        {"REDIS://h:1/15", {false, "h", 1, "", 15}, "redis://h:1/15"},
        {"redis://us%40er@h:1", {false, "h", 1, "us@er", 0}, "redis://us%40er@h:1/0"},
    };
    for (const auto& c : cases) {
        const auto parsed = parse_redis_url(c.text);
        ASSERT_TRUE(parsed.url) << c.text << ": " << parsed.error;
        EXPECT_EQ(*parsed.url, c.expected) << c.text;
        EXPECT_EQ(parsed.url->to_string(), c.normal_form) << c.text;
        EXPECT_TRUE(parsed.error.empty()) << c.text;
    }
}

struct refused_case {
    const char* text;
    const char* reason_part;
};

TEST(parse_redis_url, refuses_everything_else_with_a_reason) {
    const refused_case cases[] = {
        {"", "absolute URL"},
        {"localhost:6379", "scheme"},
        {"http://h:6379", "scheme"},
        {"unix:///run/redis.sock", "scheme"},
        {"redis:///0", "no host"},
        {"redis://h:0", "port"},
        {"redis://h:65536", "port"},
        {"redis://h:port", "port"},
        {"redis://h:6379/db1", "database number"},
        {"redis://h:6379/1/2", "database number"},
        {"redis://h:6379/-1", "database number"},
        {"redis://h:6379/0?timeout=1", "query"},
        {"redis://h:6379/0#x", "fragment"},
        {"redis://h%20x:6379", "DNS name"},
        {"redis://[v1.x]:6379", "DNS name"},
    };
    for (const auto& c : cases) {
        const auto parsed = parse_redis_url(c.text);
        EXPECT_FALSE(parsed.url) << c.text;
        EXPECT_NE(parsed.error.find(c.reason_part), std::string::npos)
            << c.text << ": " << parsed.error;
    }
}

TEST(parse_redis_url, refuses_a_password_in_the_url_without_quoting_it) {
    for (const char* text : {"redis://:s3cr3t-pw@h:6379", "rediss://user:s3cr3t-pw@h:6379/1",
                             "redis://user:s3cr3t-pw@"}) {
        const auto parsed = parse_redis_url(text);
        EXPECT_FALSE(parsed.url) << text;
        EXPECT_EQ(parsed.error.find("s3cr3t"), std::string::npos) << parsed.error;
        EXPECT_FALSE(parsed.error.empty());
    }
    EXPECT_NE(parse_redis_url("redis://:pw@h:1").error.find("GATEWAY_REDIS_PASSWORD"),
              std::string::npos);
}

} // namespace
} // namespace kore_gateway
