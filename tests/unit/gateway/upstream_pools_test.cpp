// upstream_pools on an io_context that only runs when a test polls it: nothing gets further than
// a refused connect on the loopback.
#include "kore_gateway/gateway/upstream_pools.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "unit/gateway/upstream_pools_test_support.hpp"

namespace kore_gateway {
namespace {

using namespace std::chrono_literals;
using testing::closed_port_url;

client_credentials credentials(std::string secret = "secret") {
    return {closed_port_url(), "client", std::move(secret), "scope"};
}

class upstream_pools_test : public testing::upstream_pools_fixture {};

TEST(client_options, an_origins_pool_is_sized_by_its_first_upstream_else_by_the_global_value) {
    gateway_config config;
    config.upstream_pool_size = 64;
    config.upstream_timeout = 7s;
    config.upstream_max_response_bytes = 1000;
    const auto upstream = [](std::string name, std::string base_url,
                             std::optional<std::size_t> pool_size) {
        upstream_config up;
        up.name = std::move(name);
        up.base_url = *parse_url(base_url);
        up.pool_size = pool_size;
        return up;
    };
    config.upstreams = {upstream("crm", "https://crm.example:8443/v1", 8),
                        upstream("crm_v2", "https://crm.example:8443/v2", 99),
                        upstream("billing", "https://billing.example", std::nullopt)};

    const auto crm = client_options(config, *parse_url("https://crm.example:8443/other"));
    EXPECT_EQ(crm.max_connections, 8u);
    EXPECT_EQ(client_options(config, *parse_url("https://billing.example/x")).max_connections, 64u);
    // A JWKS or token endpoint on an origin of its own.
    const auto idp = client_options(config, *parse_url("https://idp.example/jwks"));
    EXPECT_EQ(idp.max_connections, 64u);
    for (const auto& options : {crm, idp}) {
        EXPECT_EQ(options.timeout, 7s);
        EXPECT_EQ(options.max_response_bytes, 1000u);
    }
}

TEST_F(upstream_pools_test, one_client_per_origin_whatever_the_path) {
    const auto client = pools_.client_for(*parse_url("https://a.example/v1"), {});
    ASSERT_TRUE(client);
    EXPECT_EQ(pools_.client_for(*parse_url("https://a.example:443/v2"), {}), client);
    for (const auto* other :
         {"http://a.example/v1", "https://a.example:8443/v1", "https://b.example/v1"}) {
        EXPECT_NE(pools_.client_for(*parse_url(other), {}), client) << other;
    }
}

TEST_F(upstream_pools_test, one_provider_per_credential_set_whichever_upstream_asks) {
    const auto base = credentials();
    const auto provider = pools_.provider_for(base, "kore", {});
    ASSERT_TRUE(provider);
    EXPECT_EQ(pools_.provider_for(base, "catalog", {}), provider)
        << "two upstreams with one client share its token";

    struct change_case {
        std::string name;
        std::function<void(client_credentials&)> change;
    };
    const std::vector<change_case> changes{
        {"secret", [](auto& c) { c.client_secret = "rotated"; }},
        {"client id", [](auto& c) { c.client_id = "other"; }},
        {"scope", [](auto& c) { c.scope = "other"; }},
        {"audience", [](auto& c) { c.audience = "api"; }},
        {"resource", [](auto& c) { c.resource = "https://api.example"; }},
        {"client authentication", [](auto& c) { c.client_auth = client_auth_method::basic; }},
        {"token path", [](auto& c) { c.token_url = closed_port_url("/oauth/token"); }},
        {"token origin", [](auto& c) { c.token_url = *parse_url("http://127.0.0.2:1/token"); }},
    };
    for (const auto& c : changes) {
        auto changed = base;
        c.change(changed);
        const auto other = pools_.provider_for(changed, "kore", {});
        EXPECT_NE(other, provider) << c.name;
        EXPECT_EQ(pools_.provider_for(changed, "kore", {}), other) << c.name;
    }
}

TEST_F(upstream_pools_test, start_new_providers_starts_each_provider_once) {
    pools_.provider_for(credentials(), "first", {});
    poll();
    EXPECT_EQ(token_requests("first"), 0) << "made, not started";
    pools_.start_new_providers();
    poll();
    EXPECT_EQ(token_requests("first"), 1);

    pools_.provider_for(credentials("other"), "second", {});
    pools_.start_new_providers();
    poll();
    EXPECT_EQ(token_requests("first"), 1) << "started twice";
    EXPECT_EQ(token_requests("second"), 1);
}

TEST_F(upstream_pools_test, a_circuit_is_kept_until_its_settings_change) {
    const auto first = pools_.breaker_for("crm", 3, 5s);
    ASSERT_TRUE(first);
    EXPECT_EQ(pools_.breaker_for("crm", 3, 5s), first);
    const auto more_failures = pools_.breaker_for("crm", 4, 5s);
    EXPECT_NE(more_failures, first);
    const auto longer = pools_.breaker_for("crm", 4, 6s);
    EXPECT_NE(longer, more_failures);
    EXPECT_EQ(pools_.breaker_for("crm", 4, 6s), longer);
    EXPECT_NE(pools_.breaker_for("kore", 4, 6s), longer) << "one circuit per upstream";
}

TEST_F(upstream_pools_test, no_circuit_when_failures_to_open_is_zero) {
    EXPECT_EQ(pools_.breaker_for("crm", 0, 5s), nullptr);
    EXPECT_FALSE(circuit_gauge("crm")) << "a gauge for a circuit that does not exist";
}

TEST_F(upstream_pools_test, the_circuit_gauge_follows_the_breaker_in_use) {
    const auto old = pools_.breaker_for("crm", 1, 5s);
    EXPECT_EQ(circuit_gauge("crm"), 0);
    open_circuit(*old, 1);
    EXPECT_EQ(circuit_gauge("crm"), 1);
    const auto replaced = pools_.breaker_for("crm", 2, 5s);
    EXPECT_EQ(circuit_gauge("crm"), 0) << "the gauge still reads the replaced breaker";
    open_circuit(*replaced, 2);
    EXPECT_EQ(circuit_gauge("crm"), 1);
}

TEST_F(upstream_pools_test, retire_all_but_stops_and_forgets_what_is_no_longer_used) {
    const auto kept_client = pools_.client_for(*parse_url("http://127.0.0.1:1"), {});
    const auto gone_client = pools_.client_for(*parse_url("http://127.0.0.1:2"), {});
    const auto kept_provider = pools_.provider_for(credentials(), "kept", {});
    const auto gone_provider = pools_.provider_for(credentials("old"), "gone", {});
    const auto token_client = pools_.client_for(closed_port_url(), {});
    const auto kept_breaker = pools_.breaker_for("kept", 1, 5s);
    const auto gone_breaker = pools_.breaker_for("gone", 1, 5s);
    open_circuit(*kept_breaker, 1);
    open_circuit(*gone_breaker, 1);

    pools_.retire_all_but(
        {kept_client.get(), kept_provider.get(), token_client.get(), kept_breaker.get()});

    // What is still used stays, and keeps working.
    EXPECT_EQ(pools_.client_for(*parse_url("http://127.0.0.1:1/x"), {}), kept_client);
    EXPECT_EQ(pools_.provider_for(credentials(), "kept", {}), kept_provider);
    EXPECT_EQ(pools_.breaker_for("kept", 1, 5s), kept_breaker);
    EXPECT_EQ(circuit_gauge("kept"), 1);
    std::uint64_t opened = 0;
    exchange_once(*kept_client, opened);
    EXPECT_GT(opened, 0u) << "the kept client was shut down";
    EXPECT_FALSE(is_stopped(*kept_provider, "kept"));

    // The rest is stopped, and forgotten: asking again makes a new one.
    EXPECT_TRUE(is_stopped(*gone_provider, "gone"));
    EXPECT_EQ(exchange_once(*gone_client, opened), upstream_errc::connect_failed);
    EXPECT_EQ(opened, 0u) << "a retired client opened a connection";
    EXPECT_NE(pools_.client_for(*parse_url("http://127.0.0.1:2"), {}), gone_client);
    EXPECT_NE(pools_.provider_for(credentials("old"), "gone", {}), gone_provider);
    // A forgotten circuit reads 0 even while a request in flight still holds it open.
    ASSERT_TRUE(gone_breaker->is_open());
    EXPECT_EQ(circuit_gauge("gone"), 0);
    const auto fresh = pools_.breaker_for("gone", 1, 5s);
    EXPECT_NE(fresh, gone_breaker);
    EXPECT_FALSE(fresh->is_open());
}

TEST_F(upstream_pools_test, stop_stops_every_provider_and_client) {
    const auto provider = pools_.provider_for(credentials(), "kore", {});
    const auto client = pools_.client_for(*parse_url("http://127.0.0.1:1"), {});
    pools_.stop();
    EXPECT_TRUE(is_stopped(*provider, "kore"));
    std::uint64_t opened = 0;
    EXPECT_EQ(exchange_once(*client, opened), upstream_errc::connect_failed);
    EXPECT_EQ(opened, 0u);
}

} // namespace
} // namespace kore_gateway
