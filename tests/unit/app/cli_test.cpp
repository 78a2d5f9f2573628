#include "kore_gateway/app/cli.hpp"

#include <sstream>

#include <gtest/gtest.h>

#include "kore_gateway/util/sha256.hpp"

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
    const auto r =
        parse_cli({"--check-config", "--demo", "--version", "--help", "--hash-key"}, env_of({}));
    ASSERT_TRUE(r.options);
    EXPECT_TRUE(r.options->check_config && r.options->demo && r.options->version &&
                r.options->help && r.options->hash_key);
    EXPECT_FALSE(parse_cli({}, env_of({})).options->hash_key);
}

TEST(cli, hash_key_hashes_the_input_without_one_final_newline) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"web-key", "web-key"},       {"web-key\n", "web-key"},   {"web-key\r\n", "web-key"},
        {"web-key\n\n", "web-key\n"}, {" web key ", " web key "}, {"a\nb\n", "a\nb"},
    };
    for (const auto& [input, key] : cases) {
        std::istringstream in(input);
        EXPECT_EQ(hash_key_from(in), sha256_hex(key)) << "'" << input << "'";
    }
    std::istringstream abc("abc\n");
    EXPECT_EQ(hash_key_from(abc),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(cli, hash_key_refuses_an_empty_key) {
    for (const std::string input : {"", "\n", "\r\n"}) {
        std::istringstream in(input);
        EXPECT_EQ(hash_key_from(in), std::nullopt) << "'" << input << "'";
    }
}

TEST(cli, usage_names_hash_key_and_secret_files) {
    const auto usage = usage_text();
    EXPECT_NE(usage.find("--hash-key"), std::string::npos);
    EXPECT_NE(usage.find("key_sha256"), std::string::npos);
    EXPECT_NE(usage.find("_FILE"), std::string::npos);
}

TEST(cli, errors_name_the_problem) {
    EXPECT_NE(parse_cli({"--config"}, env_of({})).error.find("--config"), std::string::npos);
    EXPECT_NE(parse_cli({"--bogus"}, env_of({})).error.find("--bogus"), std::string::npos);
}

} // namespace
} // namespace kore_gateway
