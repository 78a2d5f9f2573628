// route_forwarding against a real upstream_registry whose io_context never runs: nothing here
// opens a socket. The registry's forwarders cannot be replaced, so every answer that needs the
// upstream comes through the cache instead: the test starts the fill of the key route_forwarding
// must compute, route_forwarding joins it, and the test completes it by hand. That reaches the
// upstream path and query, HIT / MISS / STALE, 304, the pass-through and the Location rewrite;
// the forwarded (uncached) path and the invalidation after a write need a seam (see the report).
#include "kore_gateway/gateway/route_forwarding.hpp"

#include <deque>
#include <vector>

#include <gtest/gtest.h>

#include "kore_gateway/cache/cache_key.hpp"
#include "kore_gateway/upstream/tls_context.hpp"
#include "support/fwd_fakes.hpp"
#include "support/handler_answers.hpp"

namespace kore_gateway {
namespace {

using namespace std::chrono_literals;
using testing::as_received;
using testing::is_gateway_error;

constexpr auto item_ttl = 60s;
constexpr auto forwarding_stale_window = 30s;

// kore_item comes first and maps the same upstream path on another upstream: a Location of the
// crm must never become a kore route's path.
constexpr auto forwarding_routes_json = R"([
    {"name": "kore_item", "method": "GET", "path": "/kore/items/{id}", "upstream": "kore",
     "upstream_path": "/items/{id}"},
    {"name": "item_update", "method": "PUT", "path": "/crm/items/{id}", "upstream": "crm",
     "upstream_path": "/items/{id}"},
    {"name": "item", "method": "GET", "path": "/crm/items/{id}", "upstream": "crm",
     "upstream_path": "/items/{id}", "cache_ttl_s": 60,
     "query": {"view": {}, "lang": {}}},
    {"name": "item_note", "method": "GET", "path": "/crm/notes/{noteId}/of/{id}",
     "upstream": "crm", "upstream_path": "/items/{id}/notes/{noteId}"},
    {"name": "ghost_things", "method": "GET", "path": "/ghost/things", "upstream": "ghost",
     "upstream_path": "/things"}])";

gateway_config make_config(bool with_crm) {
    gateway_config config;
    config.upstream_names.insert("ghost");
    config.routes_source = nlohmann::json::parse(forwarding_routes_json);
    if (with_crm) {
        upstream_config crm;
        crm.name = "crm";
        crm.base_url = *parse_url("http://crm.example:8080/base");
        config.set_upstream(std::move(crm));
    } else {
        config.upstream_names.insert("crm");
    }
    return config;
}

forward_result upstream_answered(unsigned status, std::string body = R"({"id":"42"})") {
    forward_result result;
    result.answer.status = status;
    result.answer.content_type = "application/json";
    result.answer.body = make_body(std::move(body));
    return result;
}

class route_forwarding_test : public ::testing::Test {
protected:
    explicit route_forwarding_test(bool with_crm = true) : config_(make_config(with_crm)) {}

    // A GET of /crm/items/42?view=full&lang=de, checked and decoded as the dispatcher does.
    upstream_call item_call(http::verb method = http::verb::get) const {
        upstream_call call;
        call.row = routes_.find("item");
        call.method = method;
        call.params.emplace_back("id", "42");
        call.query = {{"lang", "de"}, {"view", "full"}};
        call.request_id = "req-1";
        return call;
    }
    void handle(upstream_call call) {
        forwarding_.handle(std::move(call),
                           [this](route_outcome o) { outcomes_.push_back(std::move(o)); });
    }
    // Starts the fill of key with a fetch the test completes by hand.
    void start_fill(const std::string& key) {
        cache_tags tags;
        tags.route = "item";
        cache_.fill(
            key, std::move(tags), item_ttl, 10s,
            [this](cached_fetch::fetch_done done) { fetches_.push_back(std::move(done)); },
            [](const cache_answer&) {});
    }
    // The count purge_cache answered at once; nullopt when it refused the route.
    std::optional<std::size_t> purge(const std::string& route) {
        std::optional<std::size_t> purged;
        if (!forwarding_.purge_cache(route, [&purged](std::size_t n) { purged = n; })) {
            return std::nullopt;
        }
        EXPECT_TRUE(purged) << "purge_cache did not answer at once";
        return purged;
    }
    void complete(forward_result result) {
        ASSERT_FALSE(fetches_.empty());
        auto done = std::move(fetches_.front());
        fetches_.pop_front();
        done(std::move(result));
    }
    // The answer handed back for a call that joined a fill completed with result.
    const response& answer_through_fill(upstream_call call, forward_result result) {
        outcomes_.clear();
        start_fill(item_key);
        handle(std::move(call));
        EXPECT_EQ(cache_.waiting(), 2u) << "the call did not join the fill of its key";
        EXPECT_TRUE(outcomes_.empty());
        complete(std::move(result));
        EXPECT_EQ(outcomes_.size(), 1u);
        return outcomes_.back().res;
    }

    // The key of item_call(): the base URL's path, the upstream template, the sorted query.
    const std::string item_key =
        make_cache_key("crm", "GET", "/base/items/42", "lang=de&view=full");

    net::io_context ioc_; // never run: no exchange ever leaves
    manual_clock clock_;
    gateway_metrics metrics_;
    gateway_config config_;
    route_table routes_ = build_route_table(config_);
    upstream_pools pools_{{ioc_.get_executor()}, make_client_tls_context("", ""), metrics_, clock_};
    upstream_registry registry_{config_, pools_, metrics_};
    cached_fetch cache_{1 << 20, forwarding_stale_window, clock_, metrics_};
    route_forwarding forwarding_{config_, routes_, registry_, cache_, clock_};
    std::deque<cached_fetch::fetch_done> fetches_;
    std::vector<route_outcome> outcomes_;
};

class route_forwarding_without_upstreams : public route_forwarding_test {
protected:
    route_forwarding_without_upstreams() : route_forwarding_test(false) {}
};

TEST_F(route_forwarding_without_upstreams, a_route_of_an_unconfigured_upstream_answers_502) {
    handle(item_call());
    ASSERT_EQ(outcomes_.size(), 1u);
    const auto res = as_received(outcomes_[0].res);
    EXPECT_TRUE(is_gateway_error(res, 502, "upstream_unavailable"));
    EXPECT_NE(res.body().find("the crm API is not configured"), std::string::npos) << res.body();
    EXPECT_FALSE(outcomes_[0].error_id.empty());
    EXPECT_EQ(cache_.waiting(), 0u);
    EXPECT_EQ(forwarding_.not_ready_reason(), "no upstream is configured");
}

TEST_F(route_forwarding_test, a_declared_upstream_without_url_answers_502) {
    upstream_call call;
    call.row = routes_.find("ghost_things");
    handle(std::move(call));
    ASSERT_EQ(outcomes_.size(), 1u);
    EXPECT_TRUE(is_gateway_error(as_received(outcomes_[0].res), 502, "upstream_unavailable"));
    EXPECT_EQ(forwarding_.not_ready_reason(), "") << "crm needs no token";
}

TEST_F(route_forwarding_test, a_miss_joins_the_fill_of_its_upstream_path_and_sorted_query) {
    const auto& res = answer_through_fill(item_call(), upstream_answered(200, R"({"id":"42"})"));
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_EQ(res["X-Cache"], "MISS");
    EXPECT_EQ(res[http::field::content_type], "application/json");
    EXPECT_FALSE(res[http::field::etag].empty());
    EXPECT_EQ(res.find(http::field::age), res.end()) << "Age on a MISS";
    EXPECT_EQ(*res.body(), R"({"id":"42"})");
}

TEST_F(route_forwarding_test, a_fresh_entry_answers_hit_with_its_age_and_etag) {
    answer_through_fill(item_call(), upstream_answered(200));
    const auto etag = std::string(outcomes_.back().res[http::field::etag]);
    clock_.advance(7s);
    outcomes_.clear();
    for (const auto method : {http::verb::get, http::verb::head}) {
        handle(item_call(method));
    }
    EXPECT_EQ(cache_.waiting(), 0u) << "a fresh entry started a fetch";
    ASSERT_EQ(outcomes_.size(), 2u);
    for (const auto& outcome : outcomes_) {
        EXPECT_EQ(outcome.res.result_int(), 200u);
        EXPECT_EQ(outcome.res["X-Cache"], "HIT");
        EXPECT_EQ(outcome.res[http::field::age], "7");
        EXPECT_EQ(outcome.res[http::field::etag], etag);
        EXPECT_EQ(*outcome.res.body(), R"({"id":"42"})");
    }
}

TEST_F(route_forwarding_test, if_none_match_with_the_entrys_etag_is_304_without_a_body) {
    answer_through_fill(item_call(), upstream_answered(200));
    const auto etag = std::string(outcomes_.back().res[http::field::etag]);
    struct conditional_case {
        std::string if_none_match;
        unsigned status;
    };
    const std::vector<conditional_case> cases{
        {etag, 304}, {"W/" + etag, 304}, {"\"other\", " + etag, 304},
        {"*", 304},  {"\"other\"", 200}, {"", 200}};
    for (const auto& c : cases) {
        outcomes_.clear();
        auto call = item_call();
        call.if_none_match = c.if_none_match;
        handle(std::move(call));
        ASSERT_EQ(outcomes_.size(), 1u);
        const auto& res = outcomes_[0].res;
        EXPECT_EQ(res.result_int(), c.status) << c.if_none_match;
        EXPECT_EQ(res[http::field::etag], etag) << c.if_none_match;
        EXPECT_EQ(res["X-Cache"], "HIT") << c.if_none_match;
        EXPECT_EQ(shared_body::size(res.body()) == 0, c.status == 304) << c.if_none_match;
    }
}

TEST_F(route_forwarding_test, a_failed_refresh_serves_the_stale_entry_with_its_age) {
    answer_through_fill(item_call(), upstream_answered(200));
    clock_.advance(item_ttl + 3s);
    forward_result down;
    down.failure = forward_failure::unavailable;
    const auto& res = answer_through_fill(item_call(), std::move(down));
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_EQ(res["X-Cache"], "STALE");
    EXPECT_EQ(res[http::field::age], "63");
    EXPECT_EQ(*res.body(), R"({"id":"42"})");
}

TEST_F(route_forwarding_test, an_answer_that_is_not_stored_is_passed_through_as_a_miss) {
    const auto& res =
        answer_through_fill(item_call(), upstream_answered(404, R"({"error":"gone"})"));
    EXPECT_EQ(res.result_int(), 404u);
    EXPECT_EQ(res["X-Cache"], "MISS");
    EXPECT_EQ(res[http::field::content_type], "application/json");
    EXPECT_EQ(*res.body(), R"({"error":"gone"})");
    EXPECT_EQ(cache_.fresh(item_key), nullptr);
}

TEST_F(route_forwarding_test, a_failed_fetch_is_the_contracts_error_for_its_class) {
    const std::vector<std::tuple<forward_failure, unsigned, std::string_view>> cases{
        {forward_failure::unavailable, 502, "upstream_unavailable"},
        {forward_failure::timeout, 504, "upstream_timeout"},
        {forward_failure::invalid_response, 502, "upstream_invalid_response"},
        {forward_failure::auth_failed, 502, "upstream_auth_failed"}};
    for (const auto& [failure, status, code] : cases) {
        forward_result result;
        result.failure = failure;
        result.message = "the crm API could not be reached";
        const auto res = as_received(answer_through_fill(item_call(), std::move(result)));
        EXPECT_TRUE(is_gateway_error(res, status, code));
        EXPECT_EQ(res["X-Cache"], "MISS") << code;
        EXPECT_FALSE(outcomes_.back().error_id.empty()) << code;
    }
}

TEST_F(route_forwarding_test, locations_under_the_base_url_become_the_get_routes_local_path) {
    struct location_case {
        std::string upstream;
        std::string local;
    };
    const std::vector<location_case> cases{
        {"http://crm.example:8080/base/items/7", "/crm/items/7"},
        {"http://CRM.example:8080/base/items/7?view=full", "/crm/items/7?view=full"},
        {"http://crm.example:8080/base/items/7/notes/n1", "/crm/notes/n1/of/7"},
        // Anything else is passed unchanged.
        {"https://crm.example:8080/base/items/7", "https://crm.example:8080/base/items/7"},
        {"http://crm.example/base/items/7", "http://crm.example/base/items/7"},
        {"http://other.example:8080/base/items/7", "http://other.example:8080/base/items/7"},
        {"http://crm.example:8080/items/7", "http://crm.example:8080/items/7"},
        {"http://crm.example:8080/basement/items/7", "http://crm.example:8080/basement/items/7"},
        {"http://crm.example:8080/base/orders/7", "http://crm.example:8080/base/orders/7"},
        {"http://crm.example:8080/base/items", "http://crm.example:8080/base/items"},
        {"/base/items/7", "/base/items/7"},
        {"not a url", "not a url"},
    };
    for (const auto& c : cases) {
        auto created = upstream_answered(201);
        created.answer.location = c.upstream;
        created.answer.content_location = c.upstream;
        const auto& res = answer_through_fill(item_call(), std::move(created));
        EXPECT_EQ(res.result_int(), 201u);
        EXPECT_EQ(std::string(res[http::field::location]), c.local) << c.upstream;
        EXPECT_EQ(std::string(res[http::field::content_location]), c.local) << c.upstream;
    }
}

TEST_F(route_forwarding_test, an_answer_without_location_gets_none) {
    const auto& res = answer_through_fill(item_call(), upstream_answered(201));
    EXPECT_EQ(res.find(http::field::location), res.end());
    EXPECT_EQ(res.find(http::field::content_location), res.end());
}

TEST_F(route_forwarding_test, purge_cache_empties_the_cache_and_counts_the_entries) {
    answer_through_fill(item_call(), upstream_answered(200));
    ASSERT_NE(cache_.fresh(item_key), nullptr);
    EXPECT_EQ(purge(""), 1u);
    EXPECT_EQ(cache_.fresh(item_key), nullptr);
    EXPECT_EQ(purge(""), 0u);
}

TEST_F(route_forwarding_test, purge_cache_of_a_route_drops_its_entries_and_refuses_unknown_names) {
    answer_through_fill(item_call(), upstream_answered(200));
    EXPECT_EQ(purge("no_such_route"), std::nullopt);
    EXPECT_NE(cache_.fresh(item_key), nullptr);
    EXPECT_EQ(purge("item"), 1u);
    EXPECT_EQ(cache_.fresh(item_key), nullptr);
}

} // namespace
} // namespace kore_gateway
