// Replicas sharing one cache through a real redis-server (CONTRACT.md section 13): three
// in-process gateways on one set of fakes, each with its own memory cache (L1) and one Redis (L2).
#include <future>

#include <gtest/gtest.h>

#include "support/cache_support.hpp"
#include "support/eventually.hpp"
#include "support/fwd_fakes.hpp"
#include "support/gateway_with_fakes.hpp"
#include "support/metrics.hpp"
#include "support/redis_server.hpp"
#include "support/targets.hpp"
#include "support/test_client.hpp"
#include "unit/redis/connection_harness.hpp"

namespace kore_gateway::testing {
namespace {

using namespace std::chrono_literals;

const std::string replicas_admin_token = "replicas-admin-token";
constexpr auto notice_bound = 10s; // the contract's 1 s, generous for a loaded machine

const std::string sample_offers_path =
    "/catalog/products/" + std::string(sample_product_id) + "/offers?customerId=c-1";

// Besides the built-in routes (catalog_products, catalog_offers), a write on the products' upstream
// path: RFC 9111's invalidation drops the cached list.
const auto product_create_routes = nlohmann::json::parse(R"([
  {"name": "product_create", "method": "POST", "path": "/catalog/products", "upstream": "catalog",
   "upstream_path": "/api/v1/products"}
])");

double metric_or_minus_one(std::uint16_t port, std::string_view series) {
    return metric_value(metrics_text(port), series).value_or(-1);
}

// POST /admin/cache/purge with the admin token; query: "" or "?route=NAME".
test_response purge_on(std::uint16_t port, const std::string& query = "") {
    return fetch(port, http::verb::post, "/admin/cache/purge" + query,
                 {{"Authorization", "Bearer " + replicas_admin_token}});
}

// The one Redis key matching pattern, waited for: the gateway stores after it answers, so the
// key may reach Redis after the client has its answer. Empty when there is not exactly one.
std::string the_one_key(connection_harness& harness, redis_connection& redis,
                        const std::string& pattern) {
    std::string key;
    eventually(
        [&] {
            const auto keys = harness.exec(redis, {"KEYS", pattern});
            const auto* found = keys.reply.elements();
            key = found && found->size() == 1 && found->front().text() ? *found->front().text()
                                                                       : std::string();
            return !key.empty();
        },
        notice_bound);
    return key;
}

class replicas : public ::testing::Test {
protected:
    replicas() {
        // The Catalog fake answers the write route too.
        auto& catalog = first_.catalog();
        catalog.server().set_handler([&catalog](const recorded_request& req) {
            if (req.method == "POST") {
                mock_reply created;
                created.status = 201;
                created.body = R"({"created":true})";
                return created;
            }
            return catalog.handle(req);
        });
        second_ = first_.replica();
        third_ = first_.replica();
        for (const auto port : ports()) {
            EXPECT_TRUE(eventually(
                [port] { return metric_or_minus_one(port, "kore_gateway_redis_up") == 1; },
                notice_bound))
                << "replica on " << port << " never connected to Redis";
            // Ready: its token obtained or adopted, so no test races a token still on its way.
            EXPECT_TRUE(eventually(
                [port] { return fetch(port, http::verb::get, "/readyz").result_int() == 200; },
                notice_bound))
                << "replica on " << port << " never became ready";
        }
    }
    std::vector<std::uint16_t> ports() const {
        return {first_.port(), second_->port(), third_->port()};
    }
    std::size_t catalog_requests_for(std::string_view path) {
        std::size_t n = 0;
        for (const auto& req : first_.catalog().server().requests()) {
            n += req.path() == path && req.method == "GET" ? 1 : 0;
        }
        return n;
    }

    redis_server redis_;
    gateway_with_fakes first_{[this](gateway_config& c) {
        c.redis_url = redis_.url();
        c.redis_timeout = 2s; // a loaded test machine must not turn Redis into misses
        c.routes_source = product_create_routes;
        c.upstream_timeout = 30s;
        c.admin_token = replicas_admin_token;
    }};
    std::unique_ptr<running_gateway> second_;
    std::unique_ptr<running_gateway> third_;
};

TEST_F(replicas, thirty_concurrent_cold_gets_over_three_replicas_make_one_upstream_request) {
    auto& catalog = first_.catalog().server();
    catalog.hold_answers();
    std::vector<std::future<std::vector<test_response>>> answers;
    for (const auto port : ports()) {
        answers.push_back(std::async(
            std::launch::async, [port] { return fetch_concurrently(port, 10, products_path); }));
    }
    // Released once one replica's request is held upstream and the other two wait for its fill,
    // ten requests each behind them: the outcome cannot depend on timing.
    const bool piled_up = eventually(
        [&] {
            double waiting = 0;
            double lock_waits = 0;
            for (const auto port : ports()) {
                waiting += metric_or_minus_one(port, "kore_gateway_cache_waiting_requests");
                lock_waits += metric_or_minus_one(port, "kore_gateway_redis_lock_waits_total");
            }
            return catalog.held_answers() == 1 && waiting == 30 && lock_waits == 2;
        },
        20s);
    catalog.release_answers();
    EXPECT_TRUE(piled_up) << "the replicas never all waited behind one upstream request";

    std::string body;
    for (auto& per_replica : answers) {
        for (const auto& res : per_replica.get()) {
            ASSERT_EQ(res.result_int(), 200) << res.body();
            body = body.empty() ? res.body() : body;
            EXPECT_EQ(res.body(), body);
        }
    }
    EXPECT_EQ(catalog_requests_for("/api/v1/products"), 1u);
}

TEST_F(replicas, a_shared_entry_fills_another_replicas_memory_and_answers_hit) {
    const auto miss = fetch(first_.port(), http::verb::get, products_path);
    ASSERT_EQ(miss.result_int(), 200) << miss.body();
    EXPECT_EQ(x_cache(miss), "MISS");

    const auto shared = fetch(second_->port(), http::verb::get, products_path);
    ASSERT_EQ(shared.result_int(), 200) << shared.body();
    EXPECT_EQ(x_cache(shared), "HIT");
    EXPECT_EQ(shared.body(), miss.body());
    EXPECT_EQ(header_of(shared, "ETag"), header_of(miss, "ETag"));
    EXPECT_EQ(header_of(shared, "Content-Type"), "application/json");
    EXPECT_EQ(metric_or_minus_one(second_->port(), "kore_gateway_l2_hits_total"), 1);

    // Now in the second replica's memory: answered without Redis.
    EXPECT_EQ(x_cache(fetch(second_->port(), http::verb::get, products_path)), "HIT");
    EXPECT_EQ(metric_or_minus_one(second_->port(), "kore_gateway_l2_hits_total"), 1);
    EXPECT_EQ(metric_or_minus_one(second_->port(), "kore_gateway_cache_entries"), 1);
    EXPECT_EQ(catalog_requests_for("/api/v1/products"), 1u);
}

TEST_F(replicas, a_purge_on_one_replica_empties_every_replicas_cache) {
    for (const auto port : ports()) {
        ASSERT_EQ(fetch(port, http::verb::get, products_path).result_int(), 200);
    }
    ASSERT_EQ(catalog_requests_for("/api/v1/products"), 1u);

    const auto purged = purge_on(first_.port());
    ASSERT_EQ(purged.result_int(), 200) << purged.body();
    EXPECT_EQ(body_json(purged), nlohmann::json({{"purged", 1}})) << "the shared tier's count";
    for (const auto port : ports()) {
        EXPECT_TRUE(eventually(
            [port] { return metric_or_minus_one(port, "kore_gateway_cache_entries") == 0; },
            notice_bound))
            << "the purge did not reach the replica on " << port;
    }
    EXPECT_EQ(x_cache(fetch(second_->port(), http::verb::get, products_path)), "MISS");
    EXPECT_EQ(x_cache(fetch(third_->port(), http::verb::get, products_path)), "HIT");
    EXPECT_EQ(catalog_requests_for("/api/v1/products"), 2u);
}

TEST_F(replicas, a_route_purge_drops_that_route_alone_everywhere) {
    for (const auto port : ports()) {
        ASSERT_EQ(fetch(port, http::verb::get, products_path).result_int(), 200);
        ASSERT_EQ(fetch(port, http::verb::get, sample_offers_path).result_int(), 200);
    }
    const auto purged = purge_on(third_->port(), "?route=catalog_offers");
    ASSERT_EQ(purged.result_int(), 200) << purged.body();
    EXPECT_EQ(body_json(purged), nlohmann::json({{"purged", 1}}));
    for (const auto port : ports()) {
        EXPECT_TRUE(eventually(
            [port] { return metric_or_minus_one(port, "kore_gateway_cache_entries") == 1; },
            notice_bound));
        EXPECT_EQ(x_cache(fetch(port, http::verb::get, products_path)), "HIT");
    }
    EXPECT_EQ(x_cache(fetch(first_.port(), http::verb::get, sample_offers_path)), "MISS");
}

TEST_F(replicas, a_write_on_one_replica_invalidates_the_others) {
    for (const auto port : ports()) {
        ASSERT_EQ(fetch(port, http::verb::get, products_path).result_int(), 200);
    }
    const auto created = fetch(first_.port(), http::verb::post, products_path,
                               {{"Content-Type", "application/json"}}, R"({"name":"new"})");
    ASSERT_EQ(created.result_int(), 201) << created.body();
    EXPECT_TRUE(eventually(
        [this] { return metric_or_minus_one(second_->port(), "kore_gateway_cache_entries") == 0; },
        notice_bound))
        << "the write did not reach the second replica's memory";
    EXPECT_EQ(x_cache(fetch(second_->port(), http::verb::get, products_path)), "MISS");
    EXPECT_EQ(catalog_requests_for("/api/v1/products"), 2u);
}

TEST_F(replicas, redis_dying_is_invisible_to_clients_and_its_return_is_used_again) {
    ASSERT_EQ(x_cache(fetch(first_.port(), http::verb::get, products_path)), "MISS");
    redis_.kill();
    for (const auto port : ports()) {
        EXPECT_TRUE(
            eventually([port] { return metric_or_minus_one(port, "kore_gateway_redis_up") == 0; },
                       notice_bound));
        EXPECT_EQ(fetch(port, http::verb::get, "/readyz").result_int(), 200)
            << "readiness depends on Redis";
    }
    // Each replica on its own: misses fill their own memory, hits are hits, tokens are fetched.
    EXPECT_EQ(fetch(third_->port(), http::verb::get, "/deals/" + std::string(sample_opportunity_id))
                  .result_int(),
              200);
    EXPECT_EQ(x_cache(fetch(first_.port(), http::verb::get, products_path)), "HIT");
    const auto alone = fetch(second_->port(), http::verb::get, products_path);
    EXPECT_EQ(alone.result_int(), 200) << alone.body();
    EXPECT_EQ(x_cache(alone), "MISS");
    EXPECT_EQ(x_cache(fetch(second_->port(), http::verb::get, products_path)), "HIT");

    redis_.restart();
    for (const auto port : ports()) {
        EXPECT_TRUE(
            eventually([port] { return metric_or_minus_one(port, "kore_gateway_redis_up") == 1; },
                       notice_bound))
            << "the replica on " << port << " did not come back to Redis";
        // Notices may have been missed while it was away: its memory was emptied.
        EXPECT_EQ(metric_or_minus_one(port, "kore_gateway_cache_entries"), 0);
    }
    ASSERT_EQ(x_cache(fetch(third_->port(), http::verb::get, sample_offers_path)), "MISS");
    EXPECT_EQ(x_cache(fetch(first_.port(), http::verb::get, sample_offers_path)), "HIT")
        << "Redis is back, but its entries are not shared again";
}

TEST_F(replicas, a_value_another_program_wrote_is_a_miss_not_an_error) {
    connection_harness harness;
    auto redis = harness.open(connection_harness::options(redis_.url()));
    ASSERT_TRUE(harness.run_until([&] { return redis->is_up(); }));
    for (const std::string foreign : {"garbage", "", R"({"status":200})", "KGL2\x01\xff"}) {
        ASSERT_EQ(purge_on(first_.port()).result_int(), 200);
        ASSERT_EQ(x_cache(fetch(first_.port(), http::verb::get, products_path)), "MISS");
        const auto key = the_one_key(harness, *redis, "kore-gateway:e:*");
        ASSERT_FALSE(key.empty()) << "expected the one shared entry";
        harness.exec(*redis, {"SET", key, foreign});
        ASSERT_TRUE(eventually(
            [this] {
                return metric_or_minus_one(second_->port(), "kore_gateway_cache_entries") == 0;
            },
            notice_bound));

        const auto res = fetch(second_->port(), http::verb::get, products_path);
        EXPECT_EQ(res.result_int(), 200) << res.body();
        EXPECT_EQ(x_cache(res), "MISS") << foreign;
    }
    EXPECT_EQ(metric_or_minus_one(second_->port(), "kore_gateway_l2_errors_total"), 4);
}

// Section 13's shared token: one token request for every replica, a 401 renews once for all, and
// a late 401 for a token already replaced does not drop the new one.
TEST_F(replicas, share_one_token_and_renew_it_once_for_all_after_a_401) {
    const auto deal_path = "/deals/" + std::string(sample_opportunity_id);
    for (const auto port : ports()) {
        const auto res = fetch(port, http::verb::get, deal_path);
        ASSERT_EQ(res.result_int(), 200) << res.body();
    }
    auto& auth = first_.auth();
    EXPECT_EQ(auth.token_requests(), 1u) << "each replica asked for its own token";

    auth.revoke_all();
    const auto renewed = fetch(second_->port(), http::verb::get, deal_path);
    ASSERT_EQ(renewed.result_int(), 200) << renewed.body();
    EXPECT_EQ(auth.token_requests(), 2u);
    // The others still present the revoked token: their 401 finds it already replaced.
    for (const auto port : {first_.port(), third_->port()}) {
        const auto res = fetch(port, http::verb::get, deal_path);
        EXPECT_EQ(res.result_int(), 200) << res.body();
    }
    EXPECT_EQ(auth.token_requests(), 2u) << "a late 401 dropped the renewed token";
    for (const auto port : ports()) {
        EXPECT_EQ(
            metric_or_minus_one(port, "kore_gateway_token_requests_total{upstream=\"kore\"}") <= 1,
            true)
            << port;
    }
}

TEST_F(replicas, the_shared_token_is_not_readable_in_redis) {
    const auto deal_path = "/deals/" + std::string(sample_opportunity_id);
    ASSERT_EQ(fetch(first_.port(), http::verb::get, deal_path).result_int(), 200);
    const auto presented = bearer_of(first_.kore().server().requests().back());
    ASSERT_FALSE(presented.empty());

    connection_harness harness;
    auto redis = harness.open(connection_harness::options(redis_.url()));
    ASSERT_TRUE(harness.run_until([&] { return redis->is_up(); }));
    const auto keys = harness.exec(*redis, {"KEYS", "kore-gateway:token:*"});
    ASSERT_TRUE(keys.reply.elements() && keys.reply.elements()->size() == 1);
    const auto value = harness.exec(*redis, {"GET", *keys.reply.elements()->front().text()});
    ASSERT_NE(value.reply.text(), nullptr);
    const auto& stored = *value.reply.text();
    EXPECT_EQ(stored.find(presented), std::string::npos) << "the token is in Redis in clear";
    EXPECT_EQ(stored.find(first_.upstreams().credentials().client_secret), std::string::npos);
    EXPECT_EQ(
        keys.reply.elements()->front().text()->find(first_.upstreams().credentials().client_id),
        std::string::npos)
        << "the key names the client";
}

// A fill lock whose holder died (never released, never filled): a waiter gives up after the
// upstream timeout and fetches itself.
TEST(replica_fill_lock, a_lock_whose_holder_died_is_waited_out_then_the_waiter_fetches) {
    redis_server redis;
    gateway_with_fakes gw([&redis](gateway_config& c) {
        c.redis_url = redis.url();
        c.redis_timeout = 2s;
        c.upstream_timeout = 1s; // the wait's bound
        c.admin_token = replicas_admin_token;
    });
    ASSERT_TRUE(
        eventually([&gw] { return metric_or_minus_one(gw.port(), "kore_gateway_redis_up") == 1; },
                   notice_bound));
    connection_harness harness;
    auto conn = harness.open(connection_harness::options(redis.url()));
    ASSERT_TRUE(harness.run_until([&] { return conn->is_up(); }));

    // The entry's key tells the lock's: same tail, "lock:" for "e:", at the generation a purge
    // moves to.
    ASSERT_EQ(x_cache(fetch(gw.port(), http::verb::get, products_path)), "MISS");
    const auto entry_key = the_one_key(harness, *conn, "kore-gateway:e:0:0:*");
    ASSERT_FALSE(entry_key.empty());
    const auto tail = entry_key.substr(std::string("kore-gateway:e:0:0:").size());
    ASSERT_EQ(purge_on(gw.port()).result_int(), 200);
    harness.exec(*conn,
                 {"SET", "kore-gateway:lock:1:0:" + tail, "a-replica-that-died", "PX", "60000"});

    const auto waited = fetch(gw.port(), http::verb::get, products_path);
    EXPECT_EQ(waited.result_int(), 200) << waited.body();
    EXPECT_EQ(x_cache(waited), "MISS");
    EXPECT_EQ(metric_or_minus_one(gw.port(), "kore_gateway_redis_lock_waits_total"), 1);
    EXPECT_EQ(gw.catalog().server().request_count(), 2u);
}

// Redis keeps an entry until its stale window ends: a replica that never had it serves it STALE
// when the upstream fails, as the replica that stored it does.
TEST(replica_stale_entries, another_replicas_expired_entry_is_served_stale_when_the_refresh_fails) {
    redis_server redis;
    gateway_with_fakes gw([&redis](gateway_config& c) {
        c.redis_url = redis.url();
        c.redis_timeout = 2s;
        c.catalog_ttl = 1s;
    });
    const auto other = gw.replica();
    for (const auto port : {gw.port(), other->port()}) {
        ASSERT_TRUE(
            eventually([port] { return metric_or_minus_one(port, "kore_gateway_redis_up") == 1; },
                       notice_bound));
    }
    const auto fresh = fetch(gw.port(), http::verb::get, products_path);
    ASSERT_EQ(x_cache(fresh), "MISS");
    gw.catalog().server().set_handler([](const recorded_request&) {
        mock_reply down;
        down.status = 503;
        down.body = R"({"error":"down"})";
        return down;
    });
    // Past the TTL (real time: Redis holds wall-clock times): the storing replica serves it stale.
    ASSERT_TRUE(eventually(
        [&] { return x_cache(fetch(gw.port(), http::verb::get, products_path)) == "STALE"; },
        notice_bound));

    const auto stale = fetch(other->port(), http::verb::get, products_path);
    EXPECT_EQ(stale.result_int(), 200) << stale.body();
    EXPECT_EQ(x_cache(stale), "STALE");
    EXPECT_EQ(stale.body(), fresh.body());
}

} // namespace
} // namespace kore_gateway::testing
