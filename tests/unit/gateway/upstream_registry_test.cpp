// upstream_registry over upstream_pools on an io_context that only runs when a test polls it;
// the one readiness test that needs a token runs it against the fake auth server over plain http.
#include "kore_gateway/gateway/upstream_registry.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "kore_gateway/mock/fake_auth.hpp"
#include "unit/gateway/upstream_pools_test_support.hpp"

namespace kore_gateway {
namespace {

using namespace std::chrono_literals;

constexpr auto token_url = "http://127.0.0.1:3/token";

upstream_config make_upstream(std::string name, const std::string& base_url,
                              std::optional<client_credentials> auth = std::nullopt) {
    upstream_config upstream;
    upstream.name = std::move(name);
    upstream.base_url = *parse_url(base_url);
    upstream.auth = std::move(auth);
    return upstream;
}

// crm needs no token; kore and catalog share one origin and one credential set; ghost is declared
// without a URL.
gateway_config registry_config(const std::string& secret = "kore-secret",
                               const std::string& token_endpoint = token_url) {
    const client_credentials credentials{*parse_url(token_endpoint), "gateway", secret, "pss"};
    gateway_config config;
    config.upstream_names.insert("ghost");
    config.set_upstream(make_upstream("crm", "http://127.0.0.1:1/crm"));
    config.set_upstream(make_upstream("kore", "http://127.0.0.1:2/kore", credentials));
    config.set_upstream(make_upstream("catalog", "http://127.0.0.1:2/catalog", credentials));
    return config;
}

class upstream_registry_test : public testing::upstream_pools_fixture {
protected:
    // Runs the io_context until done() holds; false when it does not within the hang bound.
    bool run_until(const std::function<bool()>& done) {
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        ioc_.restart();
        while (!done()) {
            if (ioc_.run_one_until(deadline) == 0) {
                return done();
            }
        }
        return true;
    }

    const gateway_config config_ = registry_config();
};

TEST_F(upstream_registry_test, finds_each_configured_upstream_with_its_parts) {
    upstream_registry registry(config_, pools_, metrics_);
    for (const auto* name : {"crm", "kore", "catalog"}) {
        const auto* found = registry.find(name);
        ASSERT_NE(found, nullptr) << name;
        EXPECT_EQ(found->config.name, name);
        EXPECT_TRUE(found->client) << name;
        EXPECT_TRUE(found->forward) << name;
    }
    EXPECT_EQ(registry.find("crm")->config.base_url.path, "/crm");
    EXPECT_FALSE(registry.find("crm")->tokens) << "crm has no credentials";
    EXPECT_TRUE(registry.find("kore")->tokens);
    EXPECT_EQ(registry.find("ghost"), nullptr) << "declared without a URL";
    EXPECT_EQ(registry.find("nobody"), nullptr);
}

TEST_F(upstream_registry_test, one_origin_shares_a_client_and_one_credential_set_a_provider) {
    upstream_registry registry(config_, pools_, metrics_);
    const auto* kore = registry.find("kore");
    const auto* catalog = registry.find("catalog");
    EXPECT_EQ(kore->client, catalog->client);
    EXPECT_NE(registry.find("crm")->client, kore->client);
    EXPECT_EQ(kore->tokens, catalog->tokens);
}

TEST_F(upstream_registry_test, pooled_parts_lists_exactly_the_clients_providers_and_circuits_used) {
    upstream_registry registry(config_, pools_, metrics_);
    std::set<const void*> expected{
        registry.find("crm")->client.get(),
        registry.find("kore")->client.get(),
        registry.find("kore")->tokens.get(),
        pools_.client_for(*parse_url(token_url), {}).get(),
    };
    for (const auto* name : {"crm", "kore", "catalog"}) {
        const auto breaker =
            pools_.breaker_for(name, config_.circuit_failures, config_.circuit_open);
        ASSERT_TRUE(breaker) << name;
        expected.insert(breaker.get());
    }
    EXPECT_EQ(registry.pooled_parts(), expected);
}

TEST_F(upstream_registry_test, without_circuits_pooled_parts_holds_no_null) {
    auto config = config_;
    config.circuit_failures = 0;
    upstream_registry registry(config, pools_, metrics_);
    EXPECT_FALSE(registry.pooled_parts().contains(nullptr));
    EXPECT_TRUE(registry.pooled_parts().contains(registry.find("kore")->client.get()));
}

TEST_F(upstream_registry_test, a_new_snapshot_keeps_unchanged_parts_and_retiring_stops_the_rest) {
    const auto old_registry = std::make_unique<upstream_registry>(config_, pools_, metrics_);
    const auto old_tokens = old_registry->find("kore")->tokens;
    const auto old_kore_client = old_registry->find("kore")->client;
    const auto old_crm_client = old_registry->find("crm")->client;

    const auto rotated = registry_config("rotated-secret");
    upstream_registry registry(rotated, pools_, metrics_);
    EXPECT_EQ(registry.find("crm")->client, old_crm_client);
    EXPECT_EQ(registry.find("kore")->client, old_kore_client) << "warm connections were dropped";
    const auto new_tokens = registry.find("kore")->tokens;
    EXPECT_NE(new_tokens, old_tokens) << "a rotated secret kept the old token";
    EXPECT_EQ(registry.find("catalog")->tokens, new_tokens);

    pools_.retire_all_but(registry.pooled_parts());
    // The provider is labelled by the first upstream (by name) that asked for it: catalog.
    EXPECT_TRUE(is_stopped(*old_tokens, "catalog"));
    EXPECT_FALSE(is_stopped(*new_tokens, "catalog"));
    std::uint64_t opened = 0;
    exchange_once(*old_crm_client, opened);
    EXPECT_GT(opened, 0u) << "a client the new snapshot uses was shut down";
}

TEST_F(upstream_registry_test, not_ready_names_each_upstream_without_a_usable_token) {
    const gateway_config none;
    EXPECT_EQ(upstream_registry(none, pools_, metrics_).not_ready_reason(),
              "no upstream is configured");

    gateway_config tokenless;
    tokenless.set_upstream(make_upstream("crm", "http://127.0.0.1:1/crm"));
    EXPECT_EQ(upstream_registry(tokenless, pools_, metrics_).not_ready_reason(), "");

    upstream_registry registry(config_, pools_, metrics_);
    EXPECT_EQ(registry.not_ready_reason(), "catalog: no token yet; kore: no token yet");
}

TEST_F(upstream_registry_test, ready_once_every_provider_holds_a_token) {
    fake_auth auth("gateway", "kore-secret", "pss");
    const auto config = registry_config("kore-secret", auth.token_url());
    upstream_registry registry(config, pools_, metrics_);
    ASSERT_FALSE(registry.not_ready_reason().empty());
    pools_.start_new_providers();
    EXPECT_TRUE(run_until([&] { return registry.not_ready_reason().empty(); }))
        << registry.not_ready_reason();
    EXPECT_EQ(auth.server().request_count(), 1u) << "one token for the two upstreams";
}

TEST_F(upstream_registry_test, the_connections_opened_counter_reads_the_upstreams_client) {
    upstream_registry registry(config_, pools_, metrics_);
    const std::string series = "kore_gateway_upstream_connections_opened_total{upstream=\"crm\"}";
    EXPECT_EQ(testing::metric_value(metrics_.render(), series), 0);
    std::uint64_t opened = 0;
    exchange_once(*registry.find("crm")->client, opened);
    ASSERT_GT(opened, 0u);
    EXPECT_EQ(testing::metric_value(metrics_.render(), series), static_cast<double>(opened));
}

} // namespace
} // namespace kore_gateway
