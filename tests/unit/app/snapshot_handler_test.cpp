// snapshot_handler over real gateway_snapshots (their pools on an io_context that never runs).
// The snapshots differ in what a request can see without an upstream: the admin token, the body
// limit in a 413's message, and the route table. A request that stays in flight is an
// /admin/reload whose completion the test holds, as the reload hook of snapshot_services.
#include "kore_gateway/app/snapshot_handler.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kore_gateway/config/config_loader.hpp"
#include "kore_gateway/upstream/tls_context.hpp"
#include "support/handler_answers.hpp"

namespace kore_gateway {
namespace {

using namespace std::chrono_literals;
using testing::as_received;
using testing::body_json;
using testing::is_gateway_error;

constexpr auto item_route = R"([
    {"name": "item_create", "method": "POST", "path": "/crm/items", "upstream": "crm",
     "upstream_path": "/items"}])";

gateway_config make_config(std::string admin_token, std::size_t max_body_bytes,
                           bool with_item_route = false) {
    gateway_config config;
    config.admin_token = std::move(admin_token);
    config.max_body_bytes = max_body_bytes;
    if (with_item_route) {
        config.upstream_names.insert("crm");
        config.routes_source = nlohmann::json::parse(item_route);
    }
    return config;
}

request make_request(http::verb method, const std::string& target,
                     const std::string& admin_token = {}) {
    request req{method, target, 11};
    req.set(http::field::host, "gw");
    if (!admin_token.empty()) {
        req.set(http::field::authorization, "Bearer " + admin_token);
    }
    req.prepare_payload();
    return req;
}

class snapshot_handler_test : public ::testing::Test {
protected:
    std::shared_ptr<gateway_snapshot> make_snapshot(gateway_config config) {
        return std::make_shared<gateway_snapshot>(std::move(config), services_);
    }

    // The answer given at once; nullopt while the request is still in flight.
    std::optional<response> handle(snapshot_handler& handler, request req) {
        auto answer = std::make_shared<std::optional<response>>();
        handler.handle(std::move(req), context_, [answer](response res) { *answer = res; });
        return *answer;
    }

    net::io_context ioc_; // never run: nothing leaves for an upstream
    manual_clock clock_;
    gateway_metrics metrics_;
    upstream_pools pools_{{ioc_.get_executor()}, make_client_tls_context("", ""), metrics_, clock_};
    cached_fetch cache_{1 << 20, 30s, clock_, metrics_};
    // The completion of the reload in progress: its request is answered when the test calls it.
    std::function<void(std::string)> reload_done_;
    snapshot_services services_{
        pools_,
        cache_,
        metrics_,
        clock_,
        [this](std::function<void(std::string)> done) { reload_done_ = std::move(done); },
        nullptr};
    const request_context context_{"127.0.0.1", std::chrono::steady_clock::now()};
};

TEST_F(snapshot_handler_test, install_changes_what_later_requests_see) {
    auto first = make_snapshot(make_config("", 1000));
    snapshot_handler handler(first);
    EXPECT_EQ(handler.current(), first);
    const auto purge = [] { return make_request(http::verb::post, "/admin/cache/purge"); };
    auto before = handle(handler, purge());
    ASSERT_TRUE(before);
    EXPECT_TRUE(is_gateway_error(as_received(*before), 404, "not_found")) << "admin disabled";

    auto second = make_snapshot(make_config("second-token", 1000));
    handler.install(second);
    EXPECT_EQ(handler.current(), second);
    auto after = handle(handler, purge());
    ASSERT_TRUE(after);
    EXPECT_TRUE(is_gateway_error(as_received(*after), 401, "unauthorized"));
}

TEST_F(snapshot_handler_test, reject_and_answer_before_body_ask_the_current_snapshot) {
    snapshot_handler handler(make_snapshot(make_config("", 1000)));
    const auto too_big = [&] {
        return as_received(handler.reject(rejection::body_too_big, {}, nullptr, context_));
    };
    auto expect_continue = make_request(http::verb::post, "/crm/items");
    expect_continue.set(http::field::expect, "100-continue");
    expect_continue.set(http::field::content_type, "application/json");
    expect_continue.content_length(2);

    EXPECT_NE(body_json(too_big()).value("message", "").find("1000"), std::string::npos);
    const auto unknown = handler.answer_before_body(expect_continue.base(), context_);
    ASSERT_TRUE(unknown);
    EXPECT_EQ(unknown->result_int(), 404u);

    handler.install(make_snapshot(make_config("", 2000, true)));
    EXPECT_NE(body_json(too_big()).value("message", "").find("2000"), std::string::npos);
    EXPECT_FALSE(handler.answer_before_body(expect_continue.base(), context_))
        << "the new route's body was refused before it came";
}

TEST_F(snapshot_handler_test, a_request_in_flight_keeps_its_snapshot_alive_until_answered) {
    auto old_snapshot = make_snapshot(make_config("old-token", 1000));
    const std::weak_ptr<gateway_snapshot> watch = old_snapshot;
    snapshot_handler handler(std::move(old_snapshot));

    auto answer = std::make_shared<std::optional<response>>();
    handler.handle(make_request(http::verb::post, "/admin/reload", "old-token"), context_,
                   [answer](response res) { *answer = std::move(res); });
    ASSERT_TRUE(reload_done_) << "the reload did not start";
    ASSERT_FALSE(*answer);

    handler.install(make_snapshot(make_config("new-token", 1000)));
    // ASSERT: the held completion must not be called into a snapshot that is gone.
    ASSERT_FALSE(watch.expired()) << "the snapshot went while its request was in flight";
    // Meanwhile new requests see the new snapshot: the old token no longer opens /admin.
    auto later = handle(handler, make_request(http::verb::post, "/admin/cache/purge", "old-token"));
    ASSERT_TRUE(later);
    EXPECT_TRUE(is_gateway_error(as_received(*later), 401, "unauthorized"));
    ASSERT_FALSE(watch.expired());

    std::exchange(reload_done_, nullptr)("");
    ASSERT_TRUE(*answer);
    EXPECT_EQ((*answer)->result_int(), 200u);
    EXPECT_EQ(body_json(as_received(**answer)), nlohmann::json({{"reloaded", true}}));
    EXPECT_TRUE(watch.expired()) << "the answered request still holds its snapshot";
}

TEST_F(snapshot_handler_test, a_snapshot_whose_routes_do_not_build_is_refused_whole) {
    auto config = make_config("", 1000);
    config.routes_source = nlohmann::json::parse(
        R"([{"name": "bad", "method": "GET", "path": "/x", "upstream": "nowhere",
             "upstream_path": "/x"}])");
    EXPECT_THROW(make_snapshot(std::move(config)), config_error);
}

TEST_F(snapshot_handler_test, a_snapshot_builds_its_upstreams_from_its_config) {
    auto config = make_config("", 1000, true);
    upstream_config crm;
    crm.name = "crm";
    crm.base_url = *parse_url("http://127.0.0.1:1/crm");
    config.set_upstream(std::move(crm));
    const auto snapshot = make_snapshot(std::move(config));
    const auto crm_client = pools_.client_for(*parse_url("http://127.0.0.1:1"), {});
    EXPECT_TRUE(snapshot->registry().pooled_parts().contains(crm_client.get()));
    EXPECT_EQ(snapshot->registry().not_ready_reason(), "") << "crm needs no token";
    EXPECT_NE(snapshot->routes().find("item_create"), nullptr);
    EXPECT_EQ(snapshot->config().max_body_bytes, 1000u);
}

} // namespace
} // namespace kore_gateway
