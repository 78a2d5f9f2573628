// <VAR>_FILE secrets (CONTRACT.md section 2): which variables have one, how the file is read, and
// that every secret the loader looks up (settings and upstreams) goes through it.
#include "kore_gateway/config/secret_files.hpp"

#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/child_process.hpp"
#include "unit/config/config_test_support.hpp"

namespace kore_gateway {
namespace {

using testing::env_map;
using testing::error_of;
using testing::fake_env;
using testing::load;

// A value that must never appear in a message.
const std::string secret_value = "S3CRET-VALUE-42";

class secret_files : public ::testing::Test {
protected:
    // A file in the test's directory holding content; returns its path.
    std::string file_with(const std::string& content, const std::string& name = "secret") {
        const auto path = dir_.path() + "/" + name;
        std::ofstream(path, std::ios::binary) << content;
        return path;
    }
    std::string missing_path() const { return dir_.path() + "/no-such-file"; }
    const std::string& dir() const { return dir_.path(); }

private:
    testing::temporary_directory dir_;
};

TEST(secret_variable, is_every_api_key_client_secret_admin_token_and_redis_password) {
    for (const auto* name : {"KORE_API_KEY", "CATALOG_API_KEY", "BILLING_API_KEY",
                             "KORE_CLIENT_SECRET", "CATALOG_CLIENT_SECRET", "CRM_CLIENT_SECRET",
                             "GATEWAY_ADMIN_TOKEN", "GATEWAY_REDIS_PASSWORD"}) {
        EXPECT_TRUE(is_secret_variable(name)) << name;
    }
    for (const auto* name :
         {"KORE_API_URL", "KORE_CLIENT_ID", "KORE_API_KEY_FILE", "GATEWAY_PORT",
          "GATEWAY_ADMIN_TOKENS", "GATEWAY_REDIS_URL", "API_KEYS", "GATEWAY_JWT_ISSUER"}) {
        EXPECT_FALSE(is_secret_variable(name)) << name;
    }
}

TEST(without_final_newline, drops_exactly_one_lf_or_crlf) {
    const std::vector<std::pair<std::string, std::string>> cases{{"s", "s"},
                                                                 {"s\n", "s"},
                                                                 {"s\r\n", "s"},
                                                                 {"s\n\n", "s\n"},
                                                                 {"s\r\n\r\n", "s\r\n"},
                                                                 {"s\r", "s\r"},
                                                                 {"s\n\r", "s\n\r"},
                                                                 {"\n", ""},
                                                                 {"\r\n", ""},
                                                                 {"", ""},
                                                                 {"a\nb", "a\nb"}};
    for (const auto& [text, expected] : cases) {
        EXPECT_EQ(without_final_newline(text), expected) << "'" << text << "'";
    }
}

TEST_F(secret_files, the_file_content_is_the_value_without_one_final_newline) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {secret_value, secret_value},
        {secret_value + "\n", secret_value},
        {secret_value + "\r\n", secret_value},
        {secret_value + "\n\n", secret_value + "\n"},
        {" " + secret_value + " ", " " + secret_value + " "},
    };
    for (const auto& [content, expected] : cases) {
        const auto env =
            with_secret_files(fake_env({{"KORE_CLIENT_SECRET_FILE", file_with(content)}}));
        EXPECT_EQ(env("KORE_CLIENT_SECRET"), expected) << "'" << content << "'";
    }
}

TEST_F(secret_files, other_variables_pass_through_and_ignore_a_file_variable) {
    const auto env = with_secret_files(fake_env({{"GATEWAY_PORT", "9000"},
                                                 {"GATEWAY_PORT_FILE", file_with("1")},
                                                 {"KORE_CLIENT_ID_FILE", file_with("id")},
                                                 {"KORE_API_KEY", secret_value}}));
    EXPECT_EQ(env("GATEWAY_PORT"), "9000");
    EXPECT_EQ(env("KORE_CLIENT_ID"), std::nullopt);
    EXPECT_EQ(env("KORE_API_KEY"), secret_value);
    EXPECT_EQ(env("CATALOG_API_KEY"), std::nullopt);
    // An empty _FILE variable counts as unset, as an empty variable does.
    EXPECT_EQ(
        with_secret_files(fake_env({{"GATEWAY_ADMIN_TOKEN_FILE", ""}}))("GATEWAY_ADMIN_TOKEN"),
        std::nullopt);
    EXPECT_EQ(with_secret_files(fake_env({{"GATEWAY_ADMIN_TOKEN", ""},
                                          {"GATEWAY_ADMIN_TOKEN_FILE", file_with(secret_value)}}))(
                  "GATEWAY_ADMIN_TOKEN"),
              secret_value);
}

TEST_F(secret_files, a_refused_file_names_the_variables_and_path_never_the_value) {
    struct refused {
        env_map env;
        std::string variable;
        std::vector<std::string> parts;
    };
    const auto big = file_with(std::string(65537, 'x') + secret_value, "big");
    const std::vector<refused> cases{
        {{{"GATEWAY_REDIS_PASSWORD", secret_value},
          {"GATEWAY_REDIS_PASSWORD_FILE", file_with(secret_value)}},
         "GATEWAY_REDIS_PASSWORD",
         {"GATEWAY_REDIS_PASSWORD and GATEWAY_REDIS_PASSWORD_FILE", "both set"}},
        {{{"KORE_API_KEY_FILE", missing_path()}},
         "KORE_API_KEY",
         {"KORE_API_KEY_FILE", missing_path(), "not a readable file"}},
        {{{"KORE_API_KEY_FILE", dir()}}, "KORE_API_KEY", {"KORE_API_KEY_FILE", dir()}},
        {{{"GATEWAY_ADMIN_TOKEN_FILE", big}},
         "GATEWAY_ADMIN_TOKEN",
         {"GATEWAY_ADMIN_TOKEN_FILE", big, "larger than 65536 bytes"}},
    };
    for (const auto& c : cases) {
        const auto env = with_secret_files(fake_env(c.env));
        try {
            (void)env(c.variable);
            ADD_FAILURE() << "no error for " << c.variable;
        } catch (const config_error& e) {
            const std::string message = e.what();
            for (const auto& part : c.parts) {
                EXPECT_NE(message.find(part), std::string::npos) << part << " not in: " << message;
            }
            EXPECT_EQ(message.find(secret_value), std::string::npos) << message;
        }
    }
}

TEST_F(secret_files, the_loader_reads_every_secret_variable_through_its_file) {
    const auto c =
        load(R"({"upstreams": {"billing": {"url": "https://billing.test"}}})",
             {{"KORE_API_URL", "https://kore.test"},
              {"KORE_API_KEY_FILE", file_with("kore-key\n", "kore_key")},
              {"KORE_CLIENT_ID", "kore-id"},
              {"KORE_CLIENT_SECRET_FILE", file_with(secret_value + "\r\n", "kore_secret")},
              {"CATALOG_API_URL", "https://catalog.test"},
              {"CATALOG_AUTH_URL", "https://auth.catalog.test/token"},
              {"CATALOG_CLIENT_ID", "cat-id"},
              {"CATALOG_CLIENT_SECRET_FILE", file_with("cat-secret", "cat_secret")},
              {"BILLING_API_KEY_FILE", file_with("billing-key\n", "billing_key")},
              {"GATEWAY_ADMIN_TOKEN_FILE", file_with("admin\n", "admin")}});
    EXPECT_EQ(c.find_upstream("kore")->api_key, "kore-key");
    EXPECT_EQ(c.find_upstream("kore")->auth->client_secret, secret_value);
    EXPECT_EQ(c.find_upstream("catalog")->auth->client_secret, "cat-secret");
    EXPECT_EQ(c.find_upstream("billing")->api_key, "billing-key");
    EXPECT_EQ(c.admin_token, "admin");
}

TEST_F(secret_files, the_loader_refuses_both_set_or_an_unreadable_file) {
    const auto upstream = R"({"upstreams": {"billing": {"url": "https://billing.test"}}})";
    const std::vector<std::pair<env_map, std::vector<std::string>>> cases{
        {{{"BILLING_API_KEY", secret_value}, {"BILLING_API_KEY_FILE", file_with(secret_value)}},
         {"BILLING_API_KEY and BILLING_API_KEY_FILE"}},
        {{{"BILLING_API_KEY_FILE", missing_path()}}, {"BILLING_API_KEY_FILE", missing_path()}},
        {{{"KORE_CLIENT_SECRET", secret_value},
          {"KORE_CLIENT_SECRET_FILE", file_with(secret_value)}},
         {"KORE_CLIENT_SECRET and KORE_CLIENT_SECRET_FILE"}},
        {{{"GATEWAY_ADMIN_TOKEN_FILE", missing_path()}}, {"GATEWAY_ADMIN_TOKEN_FILE"}},
    };
    for (const auto& [env, parts] : cases) {
        const auto message = error_of(upstream, env);
        for (const auto& part : parts) {
            EXPECT_NE(message.find(part), std::string::npos) << part << " not in: " << message;
        }
        EXPECT_EQ(message.find(secret_value), std::string::npos) << message;
    }
}

TEST_F(secret_files, load_config_from_a_file_reads_secret_files_too) {
    const auto config_path = file_with("{}", "gateway.json");
    const auto c = load_config(config_path, fake_env({{"GATEWAY_ADMIN_TOKEN_FILE",
                                                       file_with(secret_value + "\n", "admin")}}));
    EXPECT_EQ(c.admin_token, secret_value);
}

} // namespace
} // namespace kore_gateway
