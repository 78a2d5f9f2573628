// Resilience and tracing toward the upstreams (CONTRACT.md section 15): the circuit breaker per
// upstream, the one retry of an idempotent request on a broken keep-alive connection, W3C trace
// context, and CORS on every answer the gateway makes itself.
#include <atomic>
#include <chrono>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "kore_gateway/http/trace_context.hpp"
#include "support/gateway_with_fakes.hpp"
#include "support/metrics.hpp"
#include "support/targets.hpp"
#include "support/test_client.hpp"

namespace kore_gateway::testing {
namespace {

using namespace std::chrono_literals;

const std::string dated_price_body = R"({"formData":[{"elementKey":"users","elementValue":5}],)"
                                     R"("priceDate":"2024-05-01T00:00:00Z"})";

mock_reply server_error() {
    mock_reply reply;
    reply.status = 500;
    reply.body = R"({"error":"boom"})";
    return reply;
}

std::optional<double> metric_if_exposed(std::uint16_t port, const std::string& series) {
    return metric_value(metrics_text(port), series);
}

// ---------------------------------------------------------------------------------------------
// Circuit breaker

TEST(circuit_breaker, opens_after_n_failures_and_answers_503_without_calling_the_upstream) {
    gateway_with_fakes gw([](gateway_config& config) {
        config.circuit_failures = 3;
        config.circuit_open = 60s; // stays open for the whole test
        config.cors_origins = {app_origin};
    });
    gw.kore().server().set_handler([](const recorded_request&) { return server_error(); });

    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(fetch(gw.port(), http::verb::get, deal_target).result_int(), 500);
    }
    const auto sent = gw.kore().server().request_count();
    const auto open = fetch(gw.port(), http::verb::get, deal_target, {{"Origin", app_origin}});
    EXPECT_TRUE(is_gateway_error(open, 503, "upstream_unavailable")) << open.body();
    const auto retry_after = std::stoi(std::string(open[http::field::retry_after]));
    EXPECT_GE(retry_after, 1);
    EXPECT_LE(retry_after, 60);
    EXPECT_EQ(open[http::field::access_control_allow_origin], app_origin);
    EXPECT_EQ(gw.kore().server().request_count(), sent) << "an open circuit called KORE";
    EXPECT_EQ(metric_if_exposed(gw.port(), "kore_gateway_circuit_open{upstream=\"kore\"}"), 1);
    EXPECT_EQ(metric_if_exposed(gw.port(), "kore_gateway_circuit_open{upstream=\"catalog\"}"), 0);
    EXPECT_EQ(fetch(gw.port(), http::verb::get, "/catalog/products").result_int(), 200)
        << "another upstream's circuit opened too";
}

TEST(circuit_breaker, one_probe_after_the_open_time_closes_it_when_the_upstream_is_back) {
    gateway_with_fakes gw([](gateway_config& config) {
        config.circuit_failures = 2;
        config.circuit_open = 200ms;
    });
    gw.kore().server().set_handler([](const recorded_request&) { return server_error(); });
    for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(fetch(gw.port(), http::verb::get, deal_target).result_int(), 500);
    }
    EXPECT_EQ(fetch(gw.port(), http::verb::get, deal_target).result_int(), 503);

    gw.kore().server().set_handler(answer_as(gw.kore()));
    // Open answers keep coming until the open time has passed; then one probe closes it.
    EXPECT_TRUE(eventually(
        [&] { return fetch(gw.port(), http::verb::get, deal_target).result_int() == 200; }, 10s));
    EXPECT_EQ(metric_if_exposed(gw.port(), "kore_gateway_circuit_open{upstream=\"kore\"}"), 0);
    EXPECT_EQ(fetch(gw.port(), http::verb::get, deal_target).result_int(), 200);
}

TEST(circuit_breaker, a_failed_probe_opens_it_again) {
    gateway_with_fakes gw([](gateway_config& config) {
        config.circuit_failures = 1;
        config.circuit_open = 200ms;
    });
    gw.kore().server().set_handler([](const recorded_request&) { return server_error(); });
    EXPECT_EQ(fetch(gw.port(), http::verb::get, deal_target).result_int(), 500);
    // The next request that reaches KORE is the probe: it fails, and the circuit is open again.
    const auto before = gw.kore().server().request_count();
    ASSERT_TRUE(eventually(
        [&] {
            fetch(gw.port(), http::verb::get, deal_target);
            return gw.kore().server().request_count() > before;
        },
        10s));
    EXPECT_EQ(gw.kore().server().request_count(), before + 1) << "more than one probe went";
    EXPECT_EQ(metric_if_exposed(gw.port(), "kore_gateway_circuit_open{upstream=\"kore\"}"), 1);
}

TEST(circuit_breaker, an_open_circuit_serves_stale_cached_answers_without_calling_the_upstream) {
    gateway_with_fakes gw([](gateway_config& config) {
        config.catalog_ttl = 1s;
        config.circuit_failures = 2;
        config.circuit_open = 60s;
    });
    const auto fresh = fetch(gw.port(), http::verb::get, "/catalog/products");
    ASSERT_EQ(fresh.result_int(), 200);
    gw.catalog().server().set_handler([](const recorded_request&) { return server_error(); });

    // Once the entry has expired, each failed refresh answers it STALE; two open the circuit.
    std::size_t stale = 0;
    ASSERT_TRUE(eventually(
        [&] {
            const auto res = fetch(gw.port(), http::verb::get, "/catalog/products");
            stale += res["X-Cache"] == "STALE" ? 1 : 0;
            return stale >= 2;
        },
        10s));
    const auto sent = gw.catalog().server().request_count();
    const auto open = fetch(gw.port(), http::verb::get, "/catalog/products");
    EXPECT_EQ(open.result_int(), 200);
    EXPECT_EQ(open["X-Cache"], "STALE");
    EXPECT_EQ(open.body(), fresh.body());
    EXPECT_EQ(gw.catalog().server().request_count(), sent) << "an open circuit called Catalog";
}

// ---------------------------------------------------------------------------------------------
// One retry of an idempotent request

// Answers normally, except that the request numbered break_at (from 1) closes its connection
// instead of answering, as a server does that dropped a keep-alive connection at that moment.
template <class Fake> mock_handler breaking_at(Fake& fake, std::size_t break_at) {
    auto seen = std::make_shared<std::size_t>(0);
    return [&fake, seen, break_at](const recorded_request& req) {
        if (++*seen == break_at) {
            mock_reply reply;
            reply.what = fault::close_before_answer;
            return reply;
        }
        return fake.handle(req);
    };
}

TEST(upstream_retry, a_get_on_a_broken_reused_connection_is_sent_once_more_and_counted) {
    gateway_with_fakes gw([](gateway_config& config) {
        config.threads = 1; // one pool, so the second GET reuses the first one's connection
    });
    gw.kore().server().set_handler(breaking_at(gw.kore(), 2));
    test_client client(gw.port());
    EXPECT_EQ(client.get(deal_target).result_int(), 200);
    const auto retried = client.get(deal_target);
    EXPECT_EQ(retried.result_int(), 200) << retried.body();
    EXPECT_EQ(gw.kore().server().request_count(), 3u);
    EXPECT_EQ(
        metric_if_exposed(gw.port(), "kore_gateway_upstream_retries_total{upstream=\"kore\"}"), 1);
}

TEST(upstream_retry, a_post_on_a_broken_reused_connection_is_sent_once_and_gets_its_error) {
    gateway_with_fakes gw([](gateway_config& config) { config.threads = 1; });
    gw.catalog().server().set_handler(breaking_at(gw.catalog(), 2));
    test_client client(gw.port());
    const std::map<std::string, std::string> json{{"Content-Type", "application/json"}};
    EXPECT_EQ(client.request(http::verb::post, price_target, json, dated_price_body).result_int(),
              200);
    const auto failed = client.request(http::verb::post, price_target, json, dated_price_body);
    EXPECT_TRUE(is_gateway_error(failed, 502, "upstream_unavailable")) << failed.body();
    EXPECT_EQ(gw.catalog().server().request_count(), 2u) << "the POST was sent twice";
    EXPECT_FALSE(
        metric_if_exposed(gw.port(), "kore_gateway_upstream_retries_total{upstream=\"catalog\"}")
            .has_value())
        << "a POST was counted as retried";
}

// ---------------------------------------------------------------------------------------------
// W3C trace context

TEST(trace_context, a_valid_traceparent_is_continued_with_the_gateways_span_and_its_tracestate) {
    gateway_with_fakes gw;
    const std::string incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    ASSERT_EQ(fetch(gw.port(), http::verb::get, deal_target,
                    {{"traceparent", incoming}, {"tracestate", "vendor=abc,other=1"}})
                  .result_int(),
              200);
    const auto sent = gw.kore().server().requests().back();
    const auto upstream = parse_traceparent(sent.header("traceparent"));
    ASSERT_TRUE(upstream) << sent.header("traceparent");
    EXPECT_EQ(upstream->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    EXPECT_NE(upstream->parent_id, "00f067aa0ba902b7") << "the client's span was sent as ours";
    EXPECT_EQ(upstream->flags, 1);
    EXPECT_EQ(sent.header("tracestate"), "vendor=abc,other=1");
}

TEST(trace_context, an_invalid_or_missing_traceparent_starts_a_trace_and_drops_tracestate) {
    gateway_with_fakes gw;
    for (const std::string bad : {"00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",
                                  "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                                  "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", ""}) {
        std::map<std::string, std::string> headers{{"tracestate", "vendor=abc"}};
        if (!bad.empty()) {
            headers["traceparent"] = bad;
        }
        ASSERT_EQ(fetch(gw.port(), http::verb::get, deal_target, headers).result_int(), 200);
        const auto sent = gw.kore().server().requests().back();
        const auto upstream = parse_traceparent(sent.header("traceparent"));
        ASSERT_TRUE(upstream) << "'" << bad << "' gave " << sent.header("traceparent");
        EXPECT_NE(upstream->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736") << bad;
        EXPECT_EQ(sent.header("tracestate"), "") << bad;
    }
}

// ---------------------------------------------------------------------------------------------
// CORS on the gateway's own answers

class cors_on_gateway_answers : public ::testing::Test {
protected:
    static void with_cors_and_limits(gateway_config& config) {
        config.cors_origins = {app_origin};
        config.rate_limit_rps = 1; // burst 2
        config.max_body_bytes = 1024;
    }

    static void expect_cors(const test_response& res, unsigned status) {
        EXPECT_EQ(res.result_int(), status) << res.body();
        EXPECT_EQ(res[http::field::access_control_allow_origin], app_origin)
            << "no CORS on a " << status;
    }

    gateway_with_fakes gw_{with_cors_and_limits};
};

TEST_F(cors_on_gateway_answers, rate_limited_429) {
    std::size_t limited = 0;
    for (int i = 0; i < 4; ++i) {
        const auto res = fetch(gw_.port(), http::verb::get, "/healthz", {{"Origin", app_origin}});
        if (res.result_int() == 429) {
            ++limited;
            expect_cors(res, 429);
        }
    }
    EXPECT_GE(limited, 1u);
}

TEST_F(cors_on_gateway_answers, payload_too_large_413) {
    const auto res = fetch(gw_.port(), http::verb::post, price_target,
                           {{"Origin", app_origin}, {"Content-Type", "application/json"}},
                           std::string(2048, ' '));
    expect_cors(res, 413);
}

TEST_F(cors_on_gateway_answers, headers_too_large_431) {
    const auto res = fetch(gw_.port(), http::verb::get, deal_target,
                           {{"Origin", app_origin}, {"X-Padding", std::string(20000, 'a')}});
    expect_cors(res, 431);
}

TEST_F(cors_on_gateway_answers, framing_400) {
    test_client client(gw_.port());
    client.send_raw("POST " + price_target + " HTTP/1.1\r\nHost: gateway\r\nOrigin: " + app_origin +
                    "\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!");
    expect_cors(client.read_response(), 400);
}

} // namespace
} // namespace kore_gateway::testing
