// Operations settings of the configuration (CONTRACT.md sections 2 and 15): the log format and
// the circuit breaker's bounds, from the file and the environment.
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "unit/config/config_test_support.hpp"

namespace kore_gateway {
namespace {

using namespace std::chrono_literals;
using testing::env_map;
using testing::error_of;
using testing::load;

TEST(ops_config, defaults_are_those_of_the_contract) {
    const auto c = load("{}");
    EXPECT_EQ(c.log_format, "text");
    EXPECT_EQ(c.circuit_failures, 5U);
    EXPECT_EQ(c.circuit_open, 5000ms);
}

TEST(ops_config, accepted_values_from_file_and_environment_are_stored) {
    struct accepted {
        std::string text;
        env_map env;
        std::function<bool(const gateway_config&)> holds;
    };
    const std::vector<accepted> cases{
        {R"({"log_format": "json"})", {}, [](auto& c) { return c.log_format == "json"; }},
        {R"({"log_format": "json"})",
         {{"GATEWAY_LOG_FORMAT", "text"}},
         [](auto& c) { return c.log_format == "text"; }},
        {"{}", {{"GATEWAY_LOG_FORMAT", "json"}}, [](auto& c) { return c.log_format == "json"; }},
        {R"({"circuit_failures": 0})", {}, [](auto& c) { return c.circuit_failures == 0; }},
        {R"({"circuit_failures": 1000})", {}, [](auto& c) { return c.circuit_failures == 1000; }},
        {R"({"circuit_failures": 3})",
         {{"GATEWAY_CIRCUIT_FAILURES", "7"}},
         [](auto& c) { return c.circuit_failures == 7; }},
        {R"({"circuit_open_ms": 100})", {}, [](auto& c) { return c.circuit_open == 100ms; }},
        {R"({"circuit_open_ms": 3600000})",
         {},
         [](auto& c) { return c.circuit_open == 3600000ms; }},
        {"{}",
         {{"GATEWAY_CIRCUIT_OPEN_MS", "250"}},
         [](auto& c) { return c.circuit_open == 250ms; }},
    };
    for (const auto& c : cases) {
        EXPECT_TRUE(c.holds(load(c.text, c.env)))
            << c.text << (c.env.empty() ? "" : " with " + c.env.begin()->first);
    }
}

TEST(ops_config, a_refused_value_names_its_key_or_variable) {
    struct refused {
        std::string text;
        env_map env;
        std::vector<std::string> parts;
    };
    const std::vector<refused> cases{
        {R"({"log_format": "xml"})", {}, {"key 'log_format'", "'xml'", "text, json"}},
        {R"({"log_format": 1})", {}, {"key 'log_format'", "string"}},
        {"{}", {{"GATEWAY_LOG_FORMAT", "JSON"}}, {"GATEWAY_LOG_FORMAT", "'JSON'"}},
        {R"({"circuit_failures": 1001})", {}, {"key 'circuit_failures'", "0..1000"}},
        {R"({"circuit_failures": -1})", {}, {"key 'circuit_failures'", "0..1000"}},
        {R"({"circuit_failures": 2.5})", {}, {"key 'circuit_failures'", "integer"}},
        {"{}", {{"GATEWAY_CIRCUIT_FAILURES", "five"}}, {"GATEWAY_CIRCUIT_FAILURES", "integer"}},
        {R"({"circuit_open_ms": 99})", {}, {"key 'circuit_open_ms'", "100..3600000"}},
        {R"({"circuit_open_ms": 3600001})", {}, {"key 'circuit_open_ms'", "100..3600000"}},
        {"{}", {{"GATEWAY_CIRCUIT_OPEN_MS", "0"}}, {"GATEWAY_CIRCUIT_OPEN_MS", "100..3600000"}},
    };
    for (const auto& c : cases) {
        const auto message = error_of(c.text, c.env);
        for (const auto& part : c.parts) {
            EXPECT_NE(message.find(part), std::string::npos)
                << c.text << ": '" << part << "' not in: " << message;
        }
    }
}

// Replicas (section 13): the shared tier's settings, and a URL refused without being quoted back
// (it may hold a password).
TEST(ops_config, redis_settings_have_the_contracts_defaults_and_guard_the_url) {
    const auto defaults = load("{}");
    EXPECT_EQ(defaults.redis_url, "");
    EXPECT_EQ(defaults.redis_timeout, 50ms);
    EXPECT_EQ(defaults.redis_key_prefix, "kore-gateway:");

    const auto set = load(R"({"redis_url": "redis://cache:6380/1", "redis_timeout_ms": 20})",
                          {{"GATEWAY_REDIS_URL", "rediss://app@redis.internal/2"},
                           {"GATEWAY_REDIS_PASSWORD", "pw"},
                           {"GATEWAY_REDIS_KEY_PREFIX", "team-a:"}});
    EXPECT_EQ(set.redis_url, "rediss://app@redis.internal/2");
    EXPECT_EQ(set.redis_password, "pw");
    EXPECT_EQ(set.redis_timeout, 20ms);
    EXPECT_EQ(set.redis_key_prefix, "team-a:");

    for (const auto* url :
         {"redis://app:hunter2@cache:6379", "http://cache:6379", "redis://cache:notaport"}) {
        const auto message = error_of("{}", {{"GATEWAY_REDIS_URL", url}});
        EXPECT_NE(message.find("GATEWAY_REDIS_URL"), std::string::npos) << message;
        EXPECT_EQ(message.find(url), std::string::npos) << "the URL was quoted: " << message;
        EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
    }
    const auto range = error_of(R"({"redis_timeout_ms": 0})");
    EXPECT_NE(range.find("1..60000"), std::string::npos) << range;
}

} // namespace
} // namespace kore_gateway
