// The executable as an operator meets it (CONTRACT.md section 16): --demo from any directory,
// a busy port named in words one can act on, SIGHUP reloading without ending the process
// (section 14), and --hash-key reading its standard input (section 17).
#include <csignal>
#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>

#include "kore_gateway/net.hpp"
#include "kore_gateway/util/sha256.hpp"
#include "support/child_process.hpp"
#include "support/eventually.hpp"
#include "support/metrics.hpp"
#include "support/redis_server.hpp"
#include "support/test_client.hpp"

namespace kore_gateway::testing {
namespace {

using namespace std::chrono_literals;

const std::map<std::string, std::string> demo_env{{"GATEWAY_PORT", "0"}, {"GATEWAY_THREADS", "1"}};

TEST(startup, demo_runs_from_an_empty_directory) {
    temporary_directory empty;
    child_process gateway(KORE_GATEWAY_BINARY, {"--demo"}, demo_env, empty.path(),
                          empty.path() + ".log");
    const auto port = gateway.wait_for_listening_port(start_bound);
    ASSERT_TRUE(port) << gateway.output();
    const auto products = fetch(*port, http::verb::get, "/catalog/products");
    EXPECT_EQ(products.result_int(), 200) << products.body();
    gateway.signal(SIGTERM);
    EXPECT_EQ(gateway.wait_for_exit(start_bound), 0) << gateway.output();
}

TEST(startup, sighup_reloads_the_demo_and_the_gateway_keeps_serving) {
    temporary_directory dir;
    child_process gateway(KORE_GATEWAY_BINARY, {"--demo"}, demo_env, dir.path(),
                          dir.path() + "/out.log");
    const auto port = gateway.wait_for_listening_port(start_bound);
    ASSERT_TRUE(port) << gateway.output();
    gateway.signal(SIGHUP);
    ASSERT_TRUE(eventually(
        [&] { return gateway.output().find("configuration reloaded") != std::string::npos; },
        start_bound))
        << gateway.output();
    EXPECT_EQ(fetch(*port, http::verb::get, "/catalog/products").result_int(), 200)
        << "the reloaded demo lost its upstreams";
    EXPECT_FALSE(gateway.wait_for_exit(0ms)) << "SIGHUP ended the process";
    EXPECT_EQ(fetch(*port, http::verb::get, "/healthz").result_int(), 200);
    gateway.signal(SIGTERM);
    EXPECT_EQ(gateway.wait_for_exit(start_bound), 0) << gateway.output();
}

TEST(startup, a_redis_url_with_a_password_is_refused_without_quoting_it) {
    temporary_directory dir;
    auto env = demo_env;
    env["GATEWAY_REDIS_URL"] = "redis://kore:not-a-password-field@127.0.0.1:6379/0";
    child_process gateway(KORE_GATEWAY_BINARY, {"--demo"}, env, dir.path(),
                          dir.path() + "/out.log");
    EXPECT_EQ(gateway.wait_for_exit(start_bound), 1) << gateway.output();
    const auto output = gateway.output();
    EXPECT_NE(output.find("GATEWAY_REDIS_URL"), std::string::npos) << output;
    EXPECT_NE(output.find("GATEWAY_REDIS_PASSWORD"), std::string::npos) << output;
    EXPECT_EQ(output.find("not-a-password-field"), std::string::npos) << output;
}

TEST(startup, with_redis_the_gateway_names_its_shared_tier_and_never_its_password) {
    redis_server redis("startup-redis-password");
    temporary_directory dir;
    auto env = demo_env;
    env["GATEWAY_REDIS_URL"] = redis.url(2);
    env["GATEWAY_REDIS_PASSWORD"] = "startup-redis-password";
    child_process gateway(KORE_GATEWAY_BINARY, {"--demo"}, env, dir.path(),
                          dir.path() + "/out.log");
    const auto port = gateway.wait_for_listening_port(start_bound);
    ASSERT_TRUE(port) << gateway.output();
    EXPECT_TRUE(eventually(
        [&] { return metric_value(metrics_text(*port), "kore_gateway_redis_up") == 1.0; },
        start_bound))
        << gateway.output();
    const auto output = gateway.output();
    EXPECT_NE(output.find("shared tier: Redis at " + redis.url(2)), std::string::npos) << output;
    EXPECT_EQ(output.find("startup-redis-password"), std::string::npos) << output;
    gateway.signal(SIGTERM);
    EXPECT_EQ(gateway.wait_for_exit(start_bound), 0) << gateway.output();
}

TEST(startup, a_busy_port_is_named_with_the_variable_that_sets_it) {
    net::io_context ioc;
    tcp::acceptor taken(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    const auto port = std::to_string(taken.local_endpoint().port());
    temporary_directory dir;
    child_process gateway(KORE_GATEWAY_BINARY, {"--demo"},
                          {{"GATEWAY_PORT", port}, {"GATEWAY_THREADS", "1"}}, dir.path(),
                          dir.path() + "/out.log");
    EXPECT_EQ(gateway.wait_for_exit(start_bound), 1);
    const auto output = gateway.output();
    EXPECT_NE(output.find("127.0.0.1"), std::string::npos) << output;
    EXPECT_NE(output.find(port), std::string::npos) << output;
    EXPECT_NE(output.find("GATEWAY_PORT"), std::string::npos) << output;
    EXPECT_NE(output.find("in use"), std::string::npos) << output;
    // Boost's own what() would name a header of the build machine.
    for (const char* path_hint : {"/usr/include", ".hpp", ".cpp", "boost/"}) {
        EXPECT_EQ(output.find(path_hint), std::string::npos) << path_hint << " in: " << output;
    }
}

// CONTRACT.md section 10: --check-config names every route problem, each with its route and field.
TEST(startup, check_config_lists_every_route_problem) {
    temporary_directory dir;
    const auto config = dir.path() + "/gateway.json";
    std::ofstream(config) << R"({"routes": [
        {"name": "a", "method": "GET", "path": "/a/{id}", "upstream": "nowhere",
         "upstream_path": "/x/{id}"},
        {"name": "b", "method": "GET", "path": "/b", "upstream": "kore",
         "upstream_path": "/y/{missing}"}]})";
    child_process check(KORE_GATEWAY_BINARY, {"--check-config", "--config", config}, {}, dir.path(),
                        dir.path() + "/out.log");
    EXPECT_EQ(check.wait_for_exit(start_bound), 1);
    const auto output = check.output();
    EXPECT_NE(output.find("routes[0] 'a': field 'upstream'"), std::string::npos) << output;
    EXPECT_NE(output.find("routes[1] 'b': field 'upstream_path'"), std::string::npos) << output;
}

// The executable with input on its standard input: a shell pipes it in, since child_process
// gives the child the test's own stdin.
std::pair<std::optional<int>, std::string> hash_key_of(const std::string& input) {
    temporary_directory dir;
    child_process hash("/bin/sh",
                       {"-c", "printf '%s' \"$1\" | \"$0\" --hash-key", KORE_GATEWAY_BINARY, input},
                       {}, dir.path(), dir.path() + "/out.log");
    auto status = hash.wait_for_exit(start_bound);
    return {status, hash.output()};
}

TEST(startup, hash_key_prints_the_sha256_of_stdin_without_its_final_newline) {
    const auto [status, output] = hash_key_of("web-key\n");
    EXPECT_EQ(status, 0) << output;
    EXPECT_EQ(output, sha256_hex("web-key") + "\n");
}

TEST(startup, hash_key_refuses_an_empty_key) {
    const auto [status, output] = hash_key_of("\n");
    EXPECT_EQ(status, 1) << output;
    EXPECT_NE(output.find("empty"), std::string::npos) << output;
}

} // namespace
} // namespace kore_gateway::testing
