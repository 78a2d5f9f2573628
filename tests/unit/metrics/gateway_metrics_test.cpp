#include "kore_gateway/metrics/gateway_metrics.hpp"

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace kore_gateway {
namespace {

bool has_line(const std::string& text, const std::string& line) {
    return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

TEST(metrics_gateway, renders_every_family) {
    gateway_metrics m;
    const std::string text = m.render();
    const std::vector<std::pair<std::string, std::string>> families = {
        {"kore_gateway_http_requests_total", "counter"},
        {"kore_gateway_http_request_duration_seconds", "histogram"},
        {"kore_gateway_upstream_requests_total", "counter"},
        {"kore_gateway_upstream_request_duration_seconds", "histogram"},
        {"kore_gateway_upstream_connections_opened_total", "counter"},
        {"kore_gateway_cache_hits_total", "counter"},
        {"kore_gateway_cache_misses_total", "counter"},
        {"kore_gateway_cache_stale_total", "counter"},
        {"kore_gateway_cache_evictions_total", "counter"},
        {"kore_gateway_cache_entries", "gauge"},
        {"kore_gateway_cache_bytes", "gauge"},
        {"kore_gateway_cache_waiting_requests", "gauge"},
        {"kore_gateway_token_requests_total", "counter"},
        {"kore_gateway_token_failures_total", "counter"},
        {"kore_gateway_open_connections", "gauge"},
        {"kore_gateway_build_info", "gauge"},
    };
    for (const auto& [name, type] : families) {
        EXPECT_TRUE(has_line(text, "# TYPE " + name + " " + type)) << name;
        EXPECT_NE(text.find("# HELP " + name + " "), std::string::npos) << name;
    }
    // Unlabelled families have a sample from the start, so that dashboards never see gaps.
    for (const char* zero :
         {"kore_gateway_cache_hits_total 0", "kore_gateway_cache_misses_total 0",
          "kore_gateway_cache_stale_total 0", "kore_gateway_cache_evictions_total 0",
          "kore_gateway_cache_entries 0", "kore_gateway_cache_bytes 0",
          "kore_gateway_cache_waiting_requests 0", "kore_gateway_open_connections 0"}) {
        EXPECT_TRUE(has_line(text, zero)) << zero;
    }
    EXPECT_TRUE(has_line(text, "kore_gateway_build_info{version=\"" KORE_GATEWAY_VERSION "\"} 1"));
}

TEST(metrics_gateway, status_class) {
    EXPECT_EQ(status_class(101), "1xx");
    EXPECT_EQ(status_class(200), "2xx");
    EXPECT_EQ(status_class(299), "2xx");
    EXPECT_EQ(status_class(304), "3xx");
    EXPECT_EQ(status_class(404), "4xx");
    EXPECT_EQ(status_class(499), "4xx");
    EXPECT_EQ(status_class(502), "5xx");
    EXPECT_EQ(status_class(0), "5xx");
    EXPECT_EQ(status_class(600), "5xx");
}

TEST(metrics_gateway, counts_requests_by_route_and_status_class) {
    gateway_metrics m;
    m.observe_request("catalog_products", 200, 0.0004);
    m.observe_request("catalog_products", 204, 0.002);
    m.observe_request("catalog_products", 404, 20);
    m.observe_request("unmatched", 404, 0.001);
    const auto text = m.render();
    EXPECT_TRUE(has_line(
        text, R"(kore_gateway_http_requests_total{route="catalog_products",code="2xx"} 2)"));
    EXPECT_TRUE(has_line(
        text, R"(kore_gateway_http_requests_total{route="catalog_products",code="4xx"} 1)"));
    EXPECT_TRUE(
        has_line(text, R"(kore_gateway_http_requests_total{route="unmatched",code="4xx"} 1)"));
    const std::string d = "kore_gateway_http_request_duration_seconds";
    EXPECT_TRUE(has_line(text, d + R"(_bucket{route="catalog_products",le="0.0005"} 1)"));
    EXPECT_TRUE(has_line(text, d + R"(_bucket{route="catalog_products",le="0.0025"} 2)"));
    EXPECT_TRUE(has_line(text, d + R"(_bucket{route="catalog_products",le="10"} 2)"));
    EXPECT_TRUE(has_line(text, d + R"(_bucket{route="catalog_products",le="+Inf"} 3)"));
    EXPECT_TRUE(has_line(text, d + R"(_count{route="catalog_products"} 3)"));
    EXPECT_TRUE(has_line(text, d + R"(_count{route="unmatched"} 1)"));
}

TEST(metrics_gateway, counts_upstream_exchanges_by_outcome) {
    gateway_metrics m;
    m.observe_upstream("catalog", "ok", 0.05);
    m.observe_upstream("catalog", "ok", 0.05);
    m.observe_upstream("catalog", "timeout", 10.5);
    m.observe_upstream("kore", "tls_failed", 0.01);
    const auto text = m.render();
    EXPECT_TRUE(has_line(
        text, R"(kore_gateway_upstream_requests_total{upstream="catalog",outcome="ok"} 2)"));
    EXPECT_TRUE(has_line(
        text, R"(kore_gateway_upstream_requests_total{upstream="catalog",outcome="timeout"} 1)"));
    EXPECT_TRUE(has_line(
        text, R"(kore_gateway_upstream_requests_total{upstream="kore",outcome="tls_failed"} 1)"));
    EXPECT_TRUE(has_line(
        text, R"(kore_gateway_upstream_request_duration_seconds_count{upstream="catalog"} 3)"));
    EXPECT_TRUE(has_line(
        text,
        R"(kore_gateway_upstream_request_duration_seconds_bucket{upstream="catalog",le="10"} 2)"));
}

TEST(metrics_gateway, counts_cache_tokens_and_connections) {
    gateway_metrics m;
    m.cache_hit();
    m.cache_hit();
    m.cache_miss();
    m.cache_stale();
    m.token_request("kore");
    m.token_request("kore");
    m.token_failure("kore");
    m.token_request("catalog");
    m.connection_opened();
    m.connection_opened();
    m.connection_opened();
    m.connection_closed();
    const auto text = m.render();
    EXPECT_TRUE(has_line(text, "kore_gateway_cache_hits_total 2"));
    EXPECT_TRUE(has_line(text, "kore_gateway_cache_misses_total 1"));
    EXPECT_TRUE(has_line(text, "kore_gateway_cache_stale_total 1"));
    EXPECT_TRUE(has_line(text, R"(kore_gateway_token_requests_total{upstream="kore"} 2)"));
    EXPECT_TRUE(has_line(text, R"(kore_gateway_token_requests_total{upstream="catalog"} 1)"));
    EXPECT_TRUE(has_line(text, R"(kore_gateway_token_failures_total{upstream="kore"} 1)"));
    EXPECT_TRUE(has_line(text, "kore_gateway_open_connections 2"));
}

TEST(metrics_gateway, callbacks_feed_their_families) {
    gateway_metrics m;
    double entries = 3;
    m.set_cache_entries([&entries] { return entries; });
    m.set_cache_bytes([] { return 4096.0; });
    m.set_cache_evictions([] { return 7.0; });
    m.set_cache_waiting([] { return 20.0; });
    m.set_upstream_connections_opened("kore", [] { return 2.0; });
    m.set_upstream_connections_opened("catalog", [] { return 1.0; });
    auto text = m.render();
    EXPECT_TRUE(has_line(text, "kore_gateway_cache_entries 3"));
    EXPECT_TRUE(has_line(text, "kore_gateway_cache_bytes 4096"));
    EXPECT_TRUE(has_line(text, "kore_gateway_cache_evictions_total 7"));
    EXPECT_TRUE(has_line(text, "kore_gateway_cache_waiting_requests 20"));
    EXPECT_TRUE(
        has_line(text, R"(kore_gateway_upstream_connections_opened_total{upstream="kore"} 2)"));
    EXPECT_TRUE(
        has_line(text, R"(kore_gateway_upstream_connections_opened_total{upstream="catalog"} 1)"));
    entries = 5;
    EXPECT_TRUE(has_line(m.render(), "kore_gateway_cache_entries 5"));
}

} // namespace
} // namespace kore_gateway
