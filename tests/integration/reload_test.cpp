// Reload without restart (CONTRACT.md sections 2 and 14), on the real executable: SIGHUP and
// POST /admin/reload re-read the file and the *_FILE secrets while keep-alive connections and a
// held upstream request are in flight; the request in flight finishes on the configuration it
// started with, the next one uses the new, no connection drops, and an invalid file changes
// nothing. The run logs JSON (section 15): every line it wrote must parse, and none may hold a
// secret.
#include <csignal>
#include <fstream>
#include <optional>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kore_gateway/mock/demo_upstreams.hpp"
#include "support/child_process.hpp"
#include "support/eventually.hpp"
#include "support/fwd_fakes.hpp"
#include "support/metrics.hpp"
#include "support/targets.hpp"
#include "support/test_client.hpp"

namespace kore_gateway::testing {
namespace {

using namespace std::chrono_literals;

// Only catches a hang: each step takes well under a second.
constexpr auto step_bound = 10s;

void write_file(const std::string& path, const std::string& content) {
    std::ofstream out(path, std::ios::trunc);
    out << content;
}

std::string config_text(const std::string& origin, bool with_deal_by_id) {
    nlohmann::json config{{"cors_origins", {origin}}};
    if (with_deal_by_id) {
        config["routes"] = {
            {{"name", "deal_by_id"},
             {"method", "GET"},
             {"path", "/deals/by-id/{premiumDealId}"},
             {"upstream", "kore"},
             {"upstream_path", "/aggregates/premium-deal-summaries/{premiumDealId}"}}};
    }
    return config.dump();
}

std::size_t count_of(const std::string& text, const std::string& what) {
    std::size_t count = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
        ++count;
    }
    return count;
}

class reload_test : public ::testing::Test {
protected:
    reload_test() {
        const auto& credentials = fakes_.credentials();
        write_file(ca_file_, fakes_.ca_pem());
        write_file(secret_file_, credentials.client_secret + "\n");
        write_file(admin_file_, "admin-token-1\n");
        write_file(config_file_, config_text("https://old.example", false));
        gateway_.emplace(KORE_GATEWAY_BINARY, std::vector<std::string>{"--config", config_file_},
                         std::map<std::string, std::string>{
                             {"GATEWAY_PORT", "0"},
                             {"GATEWAY_THREADS", "2"},
                             {"GATEWAY_LOG_FORMAT", "json"},
                             {"GATEWAY_CA_FILE", ca_file_},
                             {"GATEWAY_ADMIN_TOKEN_FILE", admin_file_},
                             {"KORE_API_URL", fakes_.kore_url()},
                             {"KORE_AUTH_URL", fakes_.auth_token_url()},
                             {"KORE_CLIENT_ID", credentials.client_id},
                             {"KORE_CLIENT_SECRET_FILE", secret_file_},
                             {"KORE_SCOPE", credentials.scope},
                             {"KORE_API_KEY", credentials.kore_api_key},
                         },
                         dir_.path(), dir_.path() + "/gateway.log");
        const auto port = gateway_->wait_for_listening_port(start_bound);
        if (!port) {
            ADD_FAILURE() << gateway_->output();
            return;
        }
        port_ = *port;
    }

    // Waits for the count-th log line that contains what.
    void wait_for_log(const std::string& what, std::size_t count) {
        ASSERT_TRUE(
            eventually([&] { return count_of(gateway_->output(), what) >= count; }, step_bound))
            << "no '" << what << "' (" << count << ") in:\n"
            << gateway_->output();
    }

    std::optional<double> metric(const std::string& series) {
        return metric_value(metrics_text(port_), series);
    }

    demo_upstreams fakes_;
    temporary_directory dir_;
    const std::string ca_file_ = dir_.path() + "/ca.pem";
    const std::string secret_file_ = dir_.path() + "/kore-client-secret";
    const std::string admin_file_ = dir_.path() + "/admin-token";
    const std::string config_file_ = dir_.path() + "/gateway.json";
    std::optional<child_process> gateway_;
    std::uint16_t port_ = 0;
};

const std::string deal_by_id_path = "/deals/by-id/" + std::string(sample_premium_deal_id);

TEST_F(reload_test, sighup_swaps_the_configuration_without_dropping_what_is_in_flight) {
    ASSERT_NE(port_, 0);
    test_client held(port_); // carries the request in flight across the reload
    test_client idle(port_); // a keep-alive connection opened before the reload
    ASSERT_EQ(idle.get("/healthz").result_int(), 200);
    ASSERT_EQ(idle.get(deal_by_id_path).result_int(), 404) << "the route exists before the reload";

    fakes_.kore().server().hold_answers();
    held.send_raw("GET " + deal_target +
                  " HTTP/1.1\r\nHost: gateway\r\nOrigin: https://old.example\r\n\r\n");
    ASSERT_TRUE(eventually([&] { return fakes_.kore().server().held_answers() == 1; }, step_bound));

    write_file(config_file_, config_text("https://new.example", true));
    write_file(admin_file_, "admin-token-2\n");
    gateway_->signal(SIGHUP);
    wait_for_log("configuration reloaded", 1);
    fakes_.kore().server().release_answers();

    const auto in_flight = held.read_response();
    EXPECT_EQ(in_flight.result_int(), 200) << in_flight.body();
    EXPECT_EQ(in_flight[http::field::access_control_allow_origin], "https://old.example")
        << "the request in flight did not finish on the configuration it started with";

    const auto added = held.get(deal_by_id_path, {{"Origin", "https://new.example"}});
    EXPECT_EQ(added.result_int(), 200) << added.body();
    EXPECT_EQ(added[http::field::access_control_allow_origin], "https://new.example");
    const auto old_origin = idle.get(deal_target, {{"Origin", "https://old.example"}});
    EXPECT_EQ(old_origin.result_int(), 200);
    EXPECT_EQ(old_origin.count(http::field::access_control_allow_origin), 0u)
        << "the old CORS list still applies after the reload";

    const auto purge = [&](const std::string& token) {
        return idle.request(http::verb::post, "/admin/cache/purge",
                            {{"Authorization", "Bearer " + token}});
    };
    EXPECT_EQ(purge("admin-token-1").result_int(), 401) << "the old admin token still works";
    EXPECT_EQ(purge("admin-token-2").result_int(), 200)
        << "the rotated admin token is not in force";

    // An invalid file changes nothing and is counted.
    write_file(config_file_, "{\"cors_origins\": [\"https://new.example\"], \"routes\": 3}");
    gateway_->signal(SIGHUP);
    wait_for_log("configuration reload refused", 1);
    EXPECT_EQ(idle.get(deal_by_id_path).result_int(), 200) << "an invalid file changed the routes";
    EXPECT_EQ(purge("admin-token-2").result_int(), 200);
    EXPECT_EQ(metric("kore_gateway_config_reloads_total{result=\"ok\"}"), 1);
    EXPECT_EQ(metric("kore_gateway_config_reloads_total{result=\"error\"}"), 1);
    EXPECT_FALSE(held.closed_by_server()) << "the reload dropped a keep-alive connection";
}

TEST_F(reload_test, admin_reload_applies_a_rotated_client_secret_and_reports_a_bad_file) {
    ASSERT_NE(port_, 0);
    const auto& credentials = fakes_.credentials();
    test_client client(port_);
    ASSERT_EQ(client.get(deal_target).result_int(), 200);
    const auto token_requests = fakes_.auth().token_requests();

    // The secret is rotated to one the token server refuses: that the gateway sends it shows the
    // credential set's token was dropped and the new secret is in force.
    write_file(secret_file_, "rotated-secret\n");
    const auto admin = [&] {
        return client.request(http::verb::post, "/admin/reload",
                              {{"Authorization", "Bearer admin-token-1"}});
    };
    const auto reloaded = admin();
    EXPECT_EQ(reloaded.result_int(), 200) << reloaded.body();
    EXPECT_EQ(body_json(reloaded), nlohmann::json({{"reloaded", true}}));
    const auto refused = client.get(deal_target);
    EXPECT_TRUE(is_gateway_error(refused, 502, "upstream_auth_failed")) << refused.body();
    EXPECT_GT(fakes_.auth().token_requests(), token_requests);
    EXPECT_EQ(fakes_.auth().last_form()["client_secret"], "rotated-secret");

    write_file(secret_file_, credentials.client_secret);
    EXPECT_EQ(admin().result_int(), 200);
    EXPECT_EQ(client.get(deal_target).result_int(), 200) << "the restored secret is not in force";

    write_file(config_file_, "{\"cors_origins\": [\"https://old.example\"], \"no_such_key\": 1}");
    const auto bad = admin();
    EXPECT_TRUE(is_gateway_error(bad, 400, "bad_request")) << bad.body();
    EXPECT_NE(bad.body().find("no_such_key"), std::string::npos) << bad.body();
    EXPECT_EQ(client.get(deal_target).result_int(), 200);

    EXPECT_EQ(client.request(http::verb::post, "/admin/reload", {{"Authorization", "Bearer wrong"}})
                  .result_int(),
              401);
}

TEST_F(reload_test, every_log_line_of_a_run_is_a_json_object_without_a_secret) {
    ASSERT_NE(port_, 0);
    const auto& credentials = fakes_.credentials();
    test_client client(port_);
    EXPECT_EQ(client
                  .get(deal_target,
                       {{"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}})
                  .result_int(),
              200);
    EXPECT_EQ(client.get("/nowhere?api_key=" + credentials.kore_api_key).result_int(), 404);
    write_file(config_file_, "{\"routes\": 3}");
    gateway_->signal(SIGHUP);
    wait_for_log("configuration reload refused", 1);
    gateway_->signal(SIGTERM);
    ASSERT_EQ(gateway_->wait_for_exit(start_bound), 0) << gateway_->output();

    std::istringstream lines(gateway_->output());
    std::string line;
    std::size_t access_lines = 0;
    bool traced = false;
    while (std::getline(lines, line)) {
        const auto parsed = nlohmann::json::parse(line, nullptr, false);
        ASSERT_TRUE(parsed.is_object()) << "not one JSON object: " << line;
        EXPECT_TRUE(parsed.contains("ts") && parsed.contains("level") && parsed.contains("msg"))
            << line;
        for (const auto& secret :
             {credentials.client_secret, credentials.kore_api_key, std::string("admin-token-1")}) {
            EXPECT_EQ(line.find(secret), std::string::npos) << "a secret in the log: " << line;
        }
        if (parsed["msg"] == "access") {
            ++access_lines;
            traced = traced || parsed["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736";
        }
    }
    EXPECT_EQ(access_lines, 2u);
    EXPECT_TRUE(traced) << "the incoming trace id is not in the access log";
}

} // namespace
} // namespace kore_gateway::testing
