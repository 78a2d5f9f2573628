#include "kore_gateway/app/restart_settings.hpp"

#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace kore_gateway {
namespace {

struct restart_case {
    std::string name;
    std::function<void(gateway_config&)> change;
};

class restart_settings_test : public ::testing::TestWithParam<restart_case> {};

TEST_P(restart_settings_test, a_changed_restart_setting_is_named_and_kept_at_its_running_value) {
    const gateway_config running;
    gateway_config next;
    GetParam().change(next);
    next.catalog_ttl = std::chrono::seconds(7); // reloadable: stays as the new file says

    const auto kept = keep_restart_settings(running, next);

    EXPECT_EQ(kept, std::vector<std::string>{GetParam().name});
    gateway_config expected;
    expected.catalog_ttl = std::chrono::seconds(7);
    EXPECT_EQ(keep_restart_settings(expected, next), std::vector<std::string>{})
        << "the restart setting was not put back to its running value";
    EXPECT_EQ(next.catalog_ttl, std::chrono::seconds(7));
}

INSTANTIATE_TEST_SUITE_P(
    every_restart_setting, restart_settings_test,
    ::testing::Values(
        restart_case{"listen_address", [](gateway_config& c) { c.listen_address = "0.0.0.0"; }},
        restart_case{"port", [](gateway_config& c) { c.port = 9090; }},
        restart_case{"threads", [](gateway_config& c) { c.threads = 7; }},
        restart_case{"cpu_affinity", [](gateway_config& c) { c.cpu_affinity = true; }},
        restart_case{"max_connections", [](gateway_config& c) { c.max_connections = 3; }},
        restart_case{"max_body_bytes", [](gateway_config& c) { c.max_body_bytes = 10; }},
        restart_case{"max_header_bytes", [](gateway_config& c) { c.max_header_bytes = 2048; }},
        restart_case{"request_read_timeout_ms",
                     [](gateway_config& c) { c.request_read_timeout = std::chrono::seconds(1); }},
        restart_case{"idle_timeout_ms",
                     [](gateway_config& c) { c.idle_timeout = std::chrono::seconds(1); }},
        restart_case{"drain_timeout_ms",
                     [](gateway_config& c) { c.drain_timeout = std::chrono::seconds(1); }},
        restart_case{"ca_file", [](gateway_config& c) { c.ca_file = "/etc/ca.pem"; }},
        restart_case{"upstream_pool_size", [](gateway_config& c) { c.upstream_pool_size = 2; }},
        restart_case{"upstream_max_response_bytes",
                     [](gateway_config& c) { c.upstream_max_response_bytes = 2; }},
        restart_case{"stale_if_error_s",
                     [](gateway_config& c) { c.stale_if_error = std::chrono::seconds(1); }},
        restart_case{"cache_max_bytes", [](gateway_config& c) { c.cache_max_bytes = 2; }},
        restart_case{"log_format", [](gateway_config& c) { c.log_format = "json"; }}),
    [](const auto& param_info) { return param_info.param.name; });

TEST(restart_settings, reloadable_settings_pass_unchanged_and_nothing_is_named) {
    const gateway_config running;
    gateway_config next;
    next.cors_origins = {"https://app.example"};
    next.rate_limit_rps = 5;
    next.admin_token = "rotated";
    next.log_level = "debug";
    next.circuit_failures = 2;

    EXPECT_TRUE(keep_restart_settings(running, next).empty());
    EXPECT_EQ(next.cors_origins, std::vector<std::string>{"https://app.example"});
    EXPECT_EQ(next.rate_limit_rps, 5);
    EXPECT_EQ(next.admin_token, "rotated");
    EXPECT_EQ(next.log_level, "debug");
    EXPECT_EQ(next.circuit_failures, 2u);
}

} // namespace
} // namespace kore_gateway
