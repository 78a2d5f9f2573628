#include "kore_gateway/app/cli.hpp"

#include <gtest/gtest.h>

namespace kore_gateway {
namespace {

env_lookup env_of(std::map<std::string, std::string> values) {
    return [values](const std::string& name) -> std::optional<std::string> {
        const auto it = values.find(name);
        return it == values.end() ? std::nullopt : std::optional(it->second);
    };
}

TEST(cli, defaults) {
    const auto r = parse_cli({}, env_of({}));
    ASSERT_TRUE(r.options);
    EXPECT_EQ(r.options->config_path, "config/gateway.json");
    EXPECT_FALSE(r.options->demo || r.options->check_config || r.options->help ||
                 r.options->version);
}

TEST(cli, config_from_environment_then_flag) {
    EXPECT_EQ(parse_cli({}, env_of({{"GATEWAY_CONFIG", "/etc/g.json"}})).options->config_path,
              "/etc/g.json");
    EXPECT_EQ(parse_cli({"--config", "a.json"}, env_of({{"GATEWAY_CONFIG", "/etc/g.json"}}))
                  .options->config_path,
              "a.json");
    EXPECT_EQ(parse_cli({"--config=b.json"}, env_of({})).options->config_path, "b.json");
}

TEST(cli, flags) {
    const auto r = parse_cli({"--check-config", "--demo", "--version", "--help"}, env_of({}));
    ASSERT_TRUE(r.options);
    EXPECT_TRUE(r.options->check_config && r.options->demo && r.options->version &&
                r.options->help);
}

TEST(cli, errors_name_the_problem) {
    EXPECT_NE(parse_cli({"--config"}, env_of({})).error.find("--config"), std::string::npos);
    EXPECT_NE(parse_cli({"--bogus"}, env_of({})).error.find("--bogus"), std::string::npos);
}

} // namespace
} // namespace kore_gateway
