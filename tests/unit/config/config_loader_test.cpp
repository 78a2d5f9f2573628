#include "kore_gateway/config/config_loader.hpp"

#include "unit/config/config_test_support.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace kore_gateway {
namespace {

using namespace std::chrono_literals;
using testing::env_map;
using testing::error_of;
using testing::fake_env;
using testing::load;

const std::string shipped_config = std::string(KORE_SOURCE_DIR) + "/config/gateway.json";
const std::string readable_file = shipped_config;

// Secret values chosen so that any leak into a message is easy to spot.
const std::string kore_key = "KORE-KEY-S3CRET";
const std::string kore_secret = "KORE-CLIENT-S3CRET";
const std::string catalog_key = "CATALOG-KEY-S3CRET";
const std::string catalog_secret = "CATALOG-CLIENT-S3CRET";
const std::string loader_admin_token = "ADMIN-TOKEN-S3CRET";
const std::vector<std::string> all_secrets{kore_key, kore_secret, catalog_key, catalog_secret,
                                           loader_admin_token};

env_map merged(env_map base, const env_map& overrides) {
    for (const auto& [name, value] : overrides) {
        base[name] = value;
    }
    return base;
}

const env_map kore_env{{"KORE_API_URL", "https://api.kore.test/v1"},
                       {"KORE_API_KEY", kore_key},
                       {"KORE_CLIENT_ID", "kore-id"},
                       {"KORE_CLIENT_SECRET", kore_secret}};

const env_map catalog_env{{"CATALOG_API_URL", "https://catalog.test"},
                          {"CATALOG_API_KEY", catalog_key},
                          {"CATALOG_AUTH_URL", "https://auth.catalog.test/token"},
                          {"CATALOG_CLIENT_ID", "catalog-id"},
                          {"CATALOG_CLIENT_SECRET", catalog_secret}};

const env_map full_env =
    merged(merged(kore_env, catalog_env), {{"GATEWAY_ADMIN_TOKEN", loader_admin_token}});

unsigned resolved_threads() {
    return std::max(1U, std::thread::hardware_concurrency());
}

// The defaults of CONTRACT.md section 2 and of config.hpp.
void expect_defaults(const gateway_config& c) {
    EXPECT_EQ(c.listen_address, "127.0.0.1");
    EXPECT_EQ(c.port, 8080);
    EXPECT_EQ(c.threads, resolved_threads());
    EXPECT_FALSE(c.cpu_affinity);
    EXPECT_EQ(c.log_level, "info");
    EXPECT_EQ(c.max_connections, 10000U);
    EXPECT_EQ(c.rate_limit_rps, 0);
    EXPECT_EQ(c.max_body_bytes, 1048576U);
    EXPECT_EQ(c.max_header_bytes, 16384U);
    EXPECT_EQ(c.request_read_timeout, 10000ms);
    EXPECT_EQ(c.idle_timeout, 60000ms);
    EXPECT_EQ(c.drain_timeout, 10000ms);
    EXPECT_EQ(c.ca_file, "");
    EXPECT_FALSE(c.allow_insecure_upstream);
    EXPECT_EQ(c.upstream_timeout, 10000ms);
    EXPECT_EQ(c.upstream_pool_size, 64U);
    EXPECT_EQ(c.upstream_max_response_bytes, 16U * 1024 * 1024);
    EXPECT_FALSE(c.find_upstream("kore"));
    EXPECT_FALSE(c.find_upstream("catalog"));
    EXPECT_EQ(c.catalog_ttl, 300s);
    EXPECT_EQ(c.deals_ttl, 0s);
    EXPECT_EQ(c.stale_if_error, 600s);
    EXPECT_EQ(c.cache_max_bytes, 67108864U);
    EXPECT_EQ(c.cors_origins, std::vector<std::string>{"*"});
    EXPECT_EQ(c.admin_token, "");
}

void expect_no_secret(const std::string& message) {
    for (const auto& secret : all_secrets) {
        EXPECT_EQ(message.find(secret), std::string::npos) << message;
    }
}

std::filesystem::path write_temp_file(const std::string& content) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    const auto path = std::filesystem::path(::testing::TempDir()) /
                      (std::string("kore_config_") + info->name() + ".json");
    std::ofstream(path) << content;
    return path;
}

TEST(config_loader, empty_object_gives_the_contract_defaults) {
    expect_defaults(load("{}"));
}

TEST(config_loader, shipped_file_holds_exactly_the_defaults) {
    expect_defaults(load_config(shipped_config, fake_env({})));
}

TEST(config_loader, shipped_file_lists_every_non_secret_key_and_no_secret) {
    std::ifstream file(shipped_config);
    const auto document = nlohmann::json::parse(file);
    for (const char* key : {"listen_address",
                            "port",
                            "threads",
                            "cpu_affinity",
                            "log_level",
                            "max_connections",
                            "rate_limit_rps",
                            "max_body_bytes",
                            "max_header_bytes",
                            "request_read_timeout_ms",
                            "idle_timeout_ms",
                            "drain_timeout_ms",
                            "upstream_timeout_ms",
                            "ca_file",
                            "allow_insecure_upstream",
                            "upstream_pool_size",
                            "upstream_max_response_bytes",
                            "catalog_ttl_s",
                            "deals_ttl_s",
                            "stale_if_error_s",
                            "cache_max_bytes",
                            "cors_origins"}) {
        EXPECT_TRUE(document.contains(key)) << key;
    }
    for (const char* key : {"admin_token", "kore", "catalog"}) {
        EXPECT_FALSE(document.contains(key)) << key;
    }
}

TEST(config_loader, reads_every_json_key) {
    const auto c = load(R"({
        "listen_address": "::1", "port": 9090, "threads": 3, "cpu_affinity": true,
        "log_level": "debug",
        "max_connections": 77, "rate_limit_rps": 2.5, "max_body_bytes": 2048,
        "max_header_bytes": 4096, "request_read_timeout_ms": 1500, "idle_timeout_ms": 2500,
        "drain_timeout_ms": 3500, "upstream_timeout_ms": 4500, "ca_file": ")" +
                        readable_file + R"(",
        "allow_insecure_upstream": true, "upstream_pool_size": 8,
        "upstream_max_response_bytes": 100000, "catalog_ttl_s": 30, "deals_ttl_s": 5,
        "stale_if_error_s": 60, "cache_max_bytes": 68719476736,
        "cors_origins": ["https://app.test", "http://localhost:3000"], "admin_token": "adm",
        "kore": {"url": "https://kore.test/api", "api_key": "kk", "api_version": "2.0-beta",
                 "auth_url": "https://auth.kore.test/token", "client_id": "kid",
                 "client_secret": "ks", "scope": "custom"},
        "catalog": {"url": "http://catalog.test:8081", "api_key": "ck", "api_version": "3",
                    "auth_url": "https://auth.catalog.test/t", "client_id": "cid",
                    "client_secret": "cs", "scope": "cat"}
    })");
    EXPECT_EQ(c.listen_address, "::1");
    EXPECT_EQ(c.port, 9090);
    EXPECT_EQ(c.threads, 3U);
    EXPECT_TRUE(c.cpu_affinity);
    EXPECT_EQ(c.log_level, "debug");
    EXPECT_EQ(c.max_connections, 77U);
    EXPECT_EQ(c.rate_limit_rps, 2.5);
    EXPECT_EQ(c.max_body_bytes, 2048U);
    EXPECT_EQ(c.max_header_bytes, 4096U);
    EXPECT_EQ(c.request_read_timeout, 1500ms);
    EXPECT_EQ(c.idle_timeout, 2500ms);
    EXPECT_EQ(c.drain_timeout, 3500ms);
    EXPECT_EQ(c.upstream_timeout, 4500ms);
    EXPECT_EQ(c.ca_file, readable_file);
    EXPECT_TRUE(c.allow_insecure_upstream);
    EXPECT_EQ(c.upstream_pool_size, 8U);
    EXPECT_EQ(c.upstream_max_response_bytes, 100000U);
    EXPECT_EQ(c.catalog_ttl, 30s);
    EXPECT_EQ(c.deals_ttl, 5s);
    EXPECT_EQ(c.stale_if_error, 60s);
    EXPECT_EQ(c.cache_max_bytes, 68719476736U);
    EXPECT_EQ(c.cors_origins,
              (std::vector<std::string>{"https://app.test", "http://localhost:3000"}));
    EXPECT_EQ(c.admin_token, "adm");

    ASSERT_TRUE(c.find_upstream("kore"));
    EXPECT_EQ(c.find_upstream("kore")->name, "kore");
    EXPECT_EQ(c.find_upstream("kore")->base_url.origin(), "https://kore.test:443");
    EXPECT_EQ(c.find_upstream("kore")->base_url.path, "/api");
    EXPECT_EQ(c.find_upstream("kore")->api_key, "kk");
    EXPECT_EQ(c.find_upstream("kore")->api_version, "2.0-beta");
    ASSERT_TRUE(c.find_upstream("kore")->auth);
    EXPECT_EQ(c.find_upstream("kore")->auth->token_url.host, "auth.kore.test");
    EXPECT_EQ(c.find_upstream("kore")->auth->token_url.path, "/token");
    EXPECT_EQ(c.find_upstream("kore")->auth->client_id, "kid");
    EXPECT_EQ(c.find_upstream("kore")->auth->client_secret, "ks");
    EXPECT_EQ(c.find_upstream("kore")->auth->scope, "custom");

    ASSERT_TRUE(c.find_upstream("catalog"));
    EXPECT_EQ(c.find_upstream("catalog")->name, "catalog");
    EXPECT_EQ(c.find_upstream("catalog")->base_url.origin(), "http://catalog.test:8081");
    EXPECT_EQ(c.find_upstream("catalog")->api_key, "ck");
    EXPECT_EQ(c.find_upstream("catalog")->api_version, "3");
    ASSERT_TRUE(c.find_upstream("catalog")->auth);
    EXPECT_EQ(c.find_upstream("catalog")->auth->token_url.path, "/t");
    EXPECT_EQ(c.find_upstream("catalog")->auth->client_id, "cid");
    EXPECT_EQ(c.find_upstream("catalog")->auth->client_secret, "cs");
    EXPECT_EQ(c.find_upstream("catalog")->auth->scope, "cat");
}

TEST(config_loader, threads_zero_becomes_the_hardware_concurrency) {
    EXPECT_EQ(load(R"({"threads": 0})").threads, resolved_threads());
    EXPECT_EQ(load("{}", {{"GATEWAY_THREADS", "0"}}).threads, resolved_threads());
}

struct env_case {
    std::string variable;
    std::string value;
    std::function<void(const gateway_config&)> check;
};

TEST(config_loader, every_environment_variable_overrides) {
    const std::vector<env_case> cases{
        {"GATEWAY_LISTEN_ADDRESS", "0.0.0.0",
         [](const auto& c) { EXPECT_EQ(c.listen_address, "0.0.0.0"); }},
        {"GATEWAY_PORT", "0", [](const auto& c) { EXPECT_EQ(c.port, 0); }},
        {"GATEWAY_THREADS", "7", [](const auto& c) { EXPECT_EQ(c.threads, 7U); }},
        {"GATEWAY_CPU_AFFINITY", "1", [](const auto& c) { EXPECT_TRUE(c.cpu_affinity); }},
        {"GATEWAY_LOG_LEVEL", "warn", [](const auto& c) { EXPECT_EQ(c.log_level, "warn"); }},
        {"GATEWAY_CA_FILE", readable_file,
         [](const auto& c) { EXPECT_EQ(c.ca_file, readable_file); }},
        {"GATEWAY_ALLOW_INSECURE_UPSTREAM", "1",
         [](const auto& c) { EXPECT_TRUE(c.allow_insecure_upstream); }},
        {"GATEWAY_ALLOW_INSECURE_UPSTREAM", "true",
         [](const auto& c) { EXPECT_TRUE(c.allow_insecure_upstream); }},
        {"GATEWAY_UPSTREAM_TIMEOUT_MS", "1234",
         [](const auto& c) { EXPECT_EQ(c.upstream_timeout, 1234ms); }},
        {"GATEWAY_CATALOG_TTL_S", "45", [](const auto& c) { EXPECT_EQ(c.catalog_ttl, 45s); }},
        {"GATEWAY_DEALS_TTL_S", "12", [](const auto& c) { EXPECT_EQ(c.deals_ttl, 12s); }},
        {"GATEWAY_STALE_IF_ERROR_S", "0", [](const auto& c) { EXPECT_EQ(c.stale_if_error, 0s); }},
        {"GATEWAY_CACHE_MAX_BYTES", "1000",
         [](const auto& c) { EXPECT_EQ(c.cache_max_bytes, 1000U); }},
        {"GATEWAY_MAX_BODY_BYTES", "4096",
         [](const auto& c) { EXPECT_EQ(c.max_body_bytes, 4096U); }},
        {"GATEWAY_CORS_ORIGINS", " https://a.test ,http://b.test:8080 ",
         [](const auto& c) {
             EXPECT_EQ(c.cors_origins,
                       (std::vector<std::string>{"https://a.test", "http://b.test:8080"}));
         }},
        {"GATEWAY_CORS_ORIGINS", "*",
         [](const auto& c) { EXPECT_EQ(c.cors_origins, std::vector<std::string>{"*"}); }},
        {"GATEWAY_ADMIN_TOKEN", "tok", [](const auto& c) { EXPECT_EQ(c.admin_token, "tok"); }},
        {"GATEWAY_MAX_CONNECTIONS", "5", [](const auto& c) { EXPECT_EQ(c.max_connections, 5U); }},
        {"GATEWAY_RATE_LIMIT_RPS", "0.5", [](const auto& c) { EXPECT_EQ(c.rate_limit_rps, 0.5); }},
        {"KORE_API_URL", "https://other.kore.test:8443/x",
         [](const auto& c) {
             EXPECT_EQ(c.find_upstream("kore")->base_url.origin(), "https://other.kore.test:8443");
             EXPECT_EQ(c.find_upstream("kore")->base_url.path, "/x");
         }},
        {"KORE_API_KEY", "k2",
         [](const auto& c) { EXPECT_EQ(c.find_upstream("kore")->api_key, "k2"); }},
        {"KORE_API_VERSION", "beta",
         [](const auto& c) { EXPECT_EQ(c.find_upstream("kore")->api_version, "beta"); }},
        {"KORE_AUTH_URL", "https://auth2.test/connect/token",
         [](const auto& c) {
             EXPECT_EQ(c.find_upstream("kore")->auth->token_url.host, "auth2.test");
         }},
        {"KORE_CLIENT_ID", "id2",
         [](const auto& c) { EXPECT_EQ(c.find_upstream("kore")->auth->client_id, "id2"); }},
        {"KORE_CLIENT_SECRET", "s2",
         [](const auto& c) { EXPECT_EQ(c.find_upstream("kore")->auth->client_secret, "s2"); }},
        {"KORE_SCOPE", "other",
         [](const auto& c) { EXPECT_EQ(c.find_upstream("kore")->auth->scope, "other"); }},
        {"CATALOG_API_URL", "https://cat2.test",
         [](const auto& c) { EXPECT_EQ(c.find_upstream("catalog")->base_url.host, "cat2.test"); }},
        {"CATALOG_API_KEY", "ck2",
         [](const auto& c) { EXPECT_EQ(c.find_upstream("catalog")->api_key, "ck2"); }},
        {"CATALOG_AUTH_URL", "https://auth3.test/t",
         [](const auto& c) {
             EXPECT_EQ(c.find_upstream("catalog")->auth->token_url.host, "auth3.test");
         }},
        {"CATALOG_CLIENT_ID", "cid2",
         [](const auto& c) { EXPECT_EQ(c.find_upstream("catalog")->auth->client_id, "cid2"); }},
        {"CATALOG_CLIENT_SECRET", "cs2",
         [](const auto& c) { EXPECT_EQ(c.find_upstream("catalog")->auth->client_secret, "cs2"); }},
        {"CATALOG_SCOPE", "cscope",
         [](const auto& c) { EXPECT_EQ(c.find_upstream("catalog")->auth->scope, "cscope"); }},
    };
    for (const auto& test : cases) {
        SCOPED_TRACE(test.variable + "=" + test.value);
        const auto c = load("{}", merged(full_env, {{test.variable, test.value}}));
        ASSERT_TRUE(c.find_upstream("kore"));
        ASSERT_TRUE(c.find_upstream("catalog"));
        test.check(c);
    }
}

TEST(config_loader, environment_beats_the_file) {
    const auto c = load(R"({"port": 1000, "log_level": "error", "kore": {"api_version": "1"}})",
                        merged(kore_env, {{"GATEWAY_PORT", "2000"}, {"KORE_API_VERSION", "2"}}));
    EXPECT_EQ(c.port, 2000);
    EXPECT_EQ(c.log_level, "error");
    EXPECT_EQ(c.find_upstream("kore")->api_version, "2");
}

TEST(config_loader, empty_environment_variable_counts_as_unset) {
    const auto c = load(R"({"port": 1000})",
                        {{"GATEWAY_PORT", ""}, {"KORE_API_URL", ""}, {"GATEWAY_THREADS", ""}});
    EXPECT_EQ(c.port, 1000);
    EXPECT_FALSE(c.find_upstream("kore"));
}

TEST(config_loader, kore_defaults_its_auth_url_and_scope) {
    const auto c = load("{}", kore_env);
    ASSERT_TRUE(c.find_upstream("kore") && c.find_upstream("kore")->auth);
    EXPECT_EQ(c.find_upstream("kore")->name, "kore");
    EXPECT_EQ(c.find_upstream("kore")->auth->token_url.origin(),
              "https://koreauth.koresoftware.com:443");
    EXPECT_EQ(c.find_upstream("kore")->auth->token_url.path, "/connect/token");
    EXPECT_EQ(c.find_upstream("kore")->auth->scope, "pss-api");
    EXPECT_EQ(c.find_upstream("kore")->api_version, "");
    EXPECT_FALSE(c.find_upstream("catalog"));
}

TEST(config_loader, catalog_without_auth_url_has_no_auth_and_no_default_scope) {
    const auto c = load("{}", {{"CATALOG_API_URL", "https://catalog.test"}});
    ASSERT_TRUE(c.find_upstream("catalog"));
    EXPECT_EQ(c.find_upstream("catalog")->name, "catalog");
    EXPECT_FALSE(c.find_upstream("catalog")->auth);
    EXPECT_EQ(c.find_upstream("catalog")->api_key, "");
    EXPECT_FALSE(c.find_upstream("kore"));

    const auto with_auth = load("{}", catalog_env);
    ASSERT_TRUE(with_auth.find_upstream("catalog")->auth);
    EXPECT_EQ(with_auth.find_upstream("catalog")->auth->scope, "");
}

TEST(config_loader, unknown_keys_are_named_with_their_path) {
    EXPECT_EQ(error_of(R"({"portt": 1})"), "unknown key 'portt'");
    EXPECT_EQ(error_of(R"({"catalog": {"urll": "https://x.test"}})"), "unknown key 'catalog.urll'");
    EXPECT_EQ(error_of(R"({"kore": {"client": {"id": "x"}}})"), "unknown key 'kore.client'");
}

TEST(config_loader, wrong_json_types_name_the_key) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {R"({"port": "80"})", "key 'port' must be an integer"},
        {R"({"port": 80.5})", "key 'port' must be an integer"},
        {R"({"threads": null})", "key 'threads' must be an integer"},
        {R"({"rate_limit_rps": "5"})", "key 'rate_limit_rps' must be a number"},
        {R"({"allow_insecure_upstream": 1})", "key 'allow_insecure_upstream' must be a boolean"},
        {R"({"listen_address": 1})", "key 'listen_address' must be a string"},
        {R"({"cors_origins": "*"})", "key 'cors_origins' must be an array of strings"},
        {R"({"cors_origins": ["*", 1]})", "key 'cors_origins' must be an array of strings"},
        {R"({"kore": "https://kore.test"})", "key 'kore' must be an object"},
        {R"({"kore": {"url": 5}})", "key 'kore.url' must be a string"},
        {R"({"catalog": {"scope": false}})", "key 'catalog.scope' must be a string"},
    };
    for (const auto& [text, expected] : cases) {
        EXPECT_EQ(error_of(text), expected) << text;
    }
}

TEST(config_loader, unparsable_json_gives_the_parse_message) {
    const auto message = error_of(R"({"port": 80,})");
    EXPECT_NE(message.find("not valid JSON"), std::string::npos) << message;
    EXPECT_NE(message.find("line 1, column 13"), std::string::npos) << message;
    EXPECT_NE(error_of("[1]").find("JSON object"), std::string::npos);
}

TEST(config_loader, unparsable_file_names_the_path) {
    const auto path = write_temp_file("{\n  \"port\": \n}");
    try {
        load_config(path.string(), fake_env({}));
        FAIL() << "no config_error";
    } catch (const config_error& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find(path.string()), std::string::npos) << message;
        EXPECT_NE(message.find("parse error at line 3"), std::string::npos) << message;
    }
}

TEST(config_loader, reads_a_file) {
    const auto path = write_temp_file(R"({"port": 4242})");
    EXPECT_EQ(load_config(path.string(), fake_env({{"GATEWAY_LOG_LEVEL", "trace"}})).port, 4242);
}

TEST(config_loader, unreadable_file_names_the_path) {
    const std::string missing = ::testing::TempDir() + "/no-such-kore-config.json";
    for (const auto& path : {missing, ::testing::TempDir()}) {
        try {
            load_config(path, fake_env({}));
            ADD_FAILURE() << "no config_error for " << path;
        } catch (const config_error& e) {
            EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
        }
    }
}

TEST(config_loader, out_of_range_json_numbers_name_the_key_and_range) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {R"({"port": 65536})", "key 'port': '65536' is out of range 0..65535"},
        {R"({"port": -1})", "key 'port': '-1' is out of range 0..65535"},
        {R"({"port": 18446744073709551615})",
         "key 'port': '18446744073709551615' is out of range 0..65535"},
        {R"({"threads": 257})", "key 'threads': '257' is out of range 0..256"},
        {R"({"max_connections": 0})", "key 'max_connections': '0' is out of range 1..1000000"},
        {R"({"max_body_bytes": 1073741825})",
         "key 'max_body_bytes': '1073741825' is out of range 1..1073741824"},
        {R"({"max_header_bytes": 1023})",
         "key 'max_header_bytes': '1023' is out of range 1024..1048576"},
        {R"({"request_read_timeout_ms": 0})",
         "key 'request_read_timeout_ms': '0' is out of range 1..3600000"},
        {R"({"idle_timeout_ms": 3600001})",
         "key 'idle_timeout_ms': '3600001' is out of range 1..3600000"},
        {R"({"drain_timeout_ms": 0})", "key 'drain_timeout_ms': '0' is out of range 1..3600000"},
        {R"({"upstream_timeout_ms": 0})",
         "key 'upstream_timeout_ms': '0' is out of range 1..3600000"},
        {R"({"upstream_pool_size": 4097})",
         "key 'upstream_pool_size': '4097' is out of range 1..4096"},
        {R"({"upstream_max_response_bytes": 1023})",
         "key 'upstream_max_response_bytes': '1023' is out of range 1024..1073741824"},
        {R"({"catalog_ttl_s": -1})", "key 'catalog_ttl_s': '-1' is out of range 0..31536000"},
        {R"({"deals_ttl_s": 31536001})",
         "key 'deals_ttl_s': '31536001' is out of range 0..31536000"},
        {R"({"stale_if_error_s": -5})", "key 'stale_if_error_s': '-5' is out of range 0..31536000"},
        {R"({"cache_max_bytes": 68719476737})",
         "key 'cache_max_bytes': '68719476737' is out of range 0..68719476736"},
        {R"({"rate_limit_rps": -0.5})", "key 'rate_limit_rps': '-0.5' must be a number >= 0"},
    };
    for (const auto& [text, expected] : cases) {
        EXPECT_EQ(error_of(text), expected) << text;
    }
}

TEST(config_loader, bad_environment_values_name_the_variable_and_value) {
    const std::vector<std::pair<env_map, std::string>> cases{
        {{{"GATEWAY_PORT", "80x"}}, "GATEWAY_PORT: '80x' is not an integer"},
        {{{"GATEWAY_PORT", " 80"}}, "GATEWAY_PORT: ' 80' is not an integer"},
        {{{"GATEWAY_PORT", "+80"}}, "GATEWAY_PORT: '+80' is not an integer"},
        {{{"GATEWAY_PORT", "99999999999999999999"}},
         "GATEWAY_PORT: '99999999999999999999' is not an integer"},
        {{{"GATEWAY_PORT", "65536"}}, "GATEWAY_PORT: '65536' is out of range 0..65535"},
        {{{"GATEWAY_THREADS", "1.5"}}, "GATEWAY_THREADS: '1.5' is not an integer"},
        {{{"GATEWAY_MAX_CONNECTIONS", "0"}},
         "GATEWAY_MAX_CONNECTIONS: '0' is out of range 1..1000000"},
        {{{"GATEWAY_CACHE_MAX_BYTES", "-1"}},
         "GATEWAY_CACHE_MAX_BYTES: '-1' is out of range 0..68719476736"},
        {{{"GATEWAY_UPSTREAM_TIMEOUT_MS", "ten"}},
         "GATEWAY_UPSTREAM_TIMEOUT_MS: 'ten' is not an integer"},
        {{{"GATEWAY_RATE_LIMIT_RPS", "fast"}}, "GATEWAY_RATE_LIMIT_RPS: 'fast' is not a number"},
        {{{"GATEWAY_RATE_LIMIT_RPS", "inf"}}, "GATEWAY_RATE_LIMIT_RPS: 'inf' is not a number"},
        {{{"GATEWAY_RATE_LIMIT_RPS", "nan"}}, "GATEWAY_RATE_LIMIT_RPS: 'nan' is not a number"},
        {{{"GATEWAY_RATE_LIMIT_RPS", "-1"}},
         "GATEWAY_RATE_LIMIT_RPS: '-1.0' must be a number >= 0"},
        {{{"GATEWAY_ALLOW_INSECURE_UPSTREAM", "yes"}},
         "GATEWAY_ALLOW_INSECURE_UPSTREAM: 'yes' is not a boolean (1, true, 0 or false)"},
        {{{"GATEWAY_LOG_LEVEL", "verbose"}},
         "GATEWAY_LOG_LEVEL: 'verbose' is not one of trace, debug, info, warn, error"},
    };
    for (const auto& [env, expected] : cases) {
        EXPECT_EQ(error_of("{}", env), expected);
    }
    EXPECT_FALSE(
        load("{}", {{"GATEWAY_ALLOW_INSECURE_UPSTREAM", "false"}}).allow_insecure_upstream);
    EXPECT_FALSE(load("{}", {{"GATEWAY_ALLOW_INSECURE_UPSTREAM", "0"}}).allow_insecure_upstream);
}

TEST(config_loader, bad_log_level_in_the_file_names_the_key) {
    EXPECT_EQ(error_of(R"({"log_level": "INFO"})"),
              "key 'log_level': 'INFO' is not one of trace, debug, info, warn, error");
}

TEST(config_loader, insecure_urls_are_refused_unless_allowed) {
    const std::string hint = " (set GATEWAY_ALLOW_INSECURE_UPSTREAM=1 to allow it in development)";
    const std::vector<std::pair<std::string, std::string>> cases{
        {"KORE_API_URL", "http://kore.test:8080"},
        {"KORE_AUTH_URL", "http://auth.kore.test/token"},
        {"CATALOG_API_URL", "http://catalog.test"},
        {"CATALOG_AUTH_URL", "http://auth.catalog.test/token"},
    };
    for (const auto& [variable, value] : cases) {
        const auto env = merged(full_env, {{variable, value}});
        EXPECT_EQ(error_of("{}", env), "insecure upstream URL " + value + hint);
        const auto allowed = load("{}", merged(env, {{"GATEWAY_ALLOW_INSECURE_UPSTREAM", "1"}}));
        EXPECT_TRUE(allowed.find_upstream("kore") && allowed.find_upstream("catalog")) << variable;
    }
    const auto c = load(R"({"allow_insecure_upstream": true})",
                        merged(kore_env, {{"KORE_API_URL", "http://127.0.0.1:9000"}}));
    EXPECT_EQ(c.find_upstream("kore")->base_url.scheme, "http");
}

TEST(config_loader, unparsable_urls_name_the_key_and_url) {
    EXPECT_EQ(error_of("{}", merged(kore_env, {{"KORE_API_URL", "ftp://kore.test"}})),
              "KORE_API_URL: 'ftp://kore.test' is not a valid URL (expected "
              "http(s)://host[:port][/path])");
    EXPECT_EQ(error_of("{}", merged(catalog_env, {{"CATALOG_AUTH_URL", "https://a.test/?x=1"}})),
              "CATALOG_AUTH_URL: 'https://a.test/?x=1' is not a valid URL (expected "
              "http(s)://host[:port][/path])");
    EXPECT_EQ(
        error_of(R"({"kore": {"url": "kore.test"}})", merged(kore_env, {{"KORE_API_URL", ""}})),
        "key 'kore.url': 'kore.test' is not a valid URL (expected "
        "http(s)://host[:port][/path])");
}

TEST(config_loader, kore_requires_its_credentials) {
    for (const auto& [variable, key] : std::vector<std::pair<std::string, std::string>>{
             {"KORE_CLIENT_ID", "kore.client_id"},
             {"KORE_CLIENT_SECRET", "kore.client_secret"},
             {"KORE_API_KEY", "kore.api_key"}}) {
        auto env = kore_env;
        env.erase(variable);
        EXPECT_EQ(error_of("{}", env), variable + " (or config key '" + key +
                                           "') is required when the KORE upstream is configured");
    }
}

TEST(config_loader, header_values_refuse_control_characters_without_echoing_them) {
    EXPECT_EQ(error_of("{}", merged(kore_env, {{"KORE_API_KEY", "k\r\nX-Evil: 1"}})),
              "KORE_API_KEY must not contain control characters");
    EXPECT_EQ(error_of("{}", merged(kore_env, {{"KORE_API_VERSION", "1\n"}})),
              "KORE_API_VERSION must not contain control characters");
    EXPECT_EQ(error_of("{}", merged(catalog_env, {{"CATALOG_API_KEY", "k\tk"}})),
              "CATALOG_API_KEY must not contain control characters");
    EXPECT_EQ(error_of(R"({"catalog": {"api_version": "v\u007f"}})", catalog_env),
              "key 'catalog.api_version' must not contain control characters");
}

TEST(config_loader, catalog_auth_needs_both_client_id_and_secret) {
    for (const std::string variable : {"CATALOG_CLIENT_ID", "CATALOG_CLIENT_SECRET"}) {
        auto env = catalog_env;
        env.erase(variable);
        const auto message = error_of("{}", env);
        EXPECT_TRUE(message.starts_with(variable + " (or config key 'catalog.client_")) << message;
        EXPECT_NE(message.find("is required when the Catalog upstream has an auth URL"),
                  std::string::npos)
            << message;
    }
}

TEST(config_loader, cors_origins_must_be_origins_or_a_lone_star) {
    const std::vector<std::pair<std::string, std::string>> bad{
        {"https://a.test/", "https://a.test/"},
        {"https://a.test/app", "https://a.test/app"},
        {"a.test", "a.test"},
        {"https://a.test,*", "*"},
        {"https://a.test,,https://b.test", ""},
        {"ftp://a.test", "ftp://a.test"},
    };
    for (const auto& [value, origin] : bad) {
        EXPECT_EQ(error_of("{}", {{"GATEWAY_CORS_ORIGINS", value}}),
                  "GATEWAY_CORS_ORIGINS: '" + origin +
                      "' is not an origin (scheme://host[:port], or '*' alone)");
    }
    EXPECT_EQ(error_of(R"({"cors_origins": []})"), "key 'cors_origins' must not be empty");
    EXPECT_EQ(error_of(R"({"cors_origins": ["https://a.test/"]})"),
              "key 'cors_origins': 'https://a.test/' is not an origin (scheme://host[:port], or "
              "'*' alone)");
}

TEST(config_loader, listen_address_must_be_an_ip_literal) {
    for (const std::string bad : {"localhost", "999.1.1.1", "1.2.3"}) {
        EXPECT_EQ(error_of("{}", {{"GATEWAY_LISTEN_ADDRESS", bad}}),
                  "GATEWAY_LISTEN_ADDRESS: '" + bad + "' is not an IPv4 or IPv6 address");
    }
    EXPECT_EQ(load("{}", {{"GATEWAY_LISTEN_ADDRESS", "::"}}).listen_address, "::");
}

TEST(config_loader, ca_file_must_be_readable) {
    const std::string missing = ::testing::TempDir() + "/no-such-ca.pem";
    for (const auto& path : {missing, ::testing::TempDir()}) {
        EXPECT_EQ(error_of("{}", {{"GATEWAY_CA_FILE", path}}),
                  "GATEWAY_CA_FILE: '" + path + "' is not a readable file");
    }
    EXPECT_EQ(error_of(R"({"ca_file": ")" + missing + R"("})"),
              "key 'ca_file': '" + missing + "' is not a readable file");
}

TEST(config_loader, secrets_never_appear_in_error_messages) {
    const std::vector<std::pair<std::string, env_map>> failures{
        {R"({"admin_token": 1})", full_env},
        {R"({"kore": {"api_key": ["KORE-KEY-S3CRET"]}})", {}},
        {R"({"kore": {"client_secret": {"v": "KORE-CLIENT-S3CRET"}}})", {}},
        {R"({"catalog": {"client_secret": "CATALOG-CLIENT-S3CRET)", {}},
        {"{\"admin_token\": \"ADMIN-TOKEN-S3CRET\t\"}", {}},
        {R"({"admin_token": "ADMIN-TOKEN-S3CRET" "x"})", {}},
        {R"({"admin_token": "ADMIN-TOKEN-S3CRET", "portt": 1})", full_env},
        {"{}", merged(full_env, {{"KORE_CLIENT_ID", ""}})},
        {"{}", merged(full_env, {{"CATALOG_CLIENT_ID", ""}})},
        {"{}", merged(full_env, {{"KORE_API_URL", "http://kore.test"}})},
        {"{}", merged(full_env, {{"GATEWAY_PORT", "x"}})},
        {"{}", merged(full_env, {{"GATEWAY_CORS_ORIGINS", "nope"}})},
    };
    for (const auto& [text, env] : failures) {
        expect_no_secret(error_of(text, env));
    }
}

} // namespace
} // namespace kore_gateway
