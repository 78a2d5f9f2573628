#include "kore_gateway/cache/cached_fetch.hpp"

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kore_gateway/cache/cacheability.hpp"

namespace kore_gateway {
namespace {

using namespace std::chrono_literals;

constexpr auto fetch_ttl = 10s;
constexpr auto fetch_stale_window = 30s;

forward_result answered(unsigned status, std::string body = R"({"v":1})",
                        std::string cache_control = {}) {
    forward_result result;
    result.answer.status = status;
    result.answer.content_type = "application/json";
    result.answer.cache_control = std::move(cache_control);
    result.answer.body = make_body(std::move(body));
    return result;
}

forward_result failed(forward_failure why) {
    forward_result result;
    result.failure = why;
    result.message = "the test's upstream failed";
    return result;
}

cache_tags tags_of(std::string route, std::string id = "1") {
    return {std::move(route), "crm", "/items", {{"id", std::move(id)}}};
}

// What one caller of fill() was handed.
struct seen {
    std::shared_ptr<const cached_response> entry;
    std::string x_cache;
    std::optional<forward_result> fetched;
};

class cached_fetch_test : public ::testing::Test {
protected:
    // Starts or joins the fill of key with a fetch that the test completes by hand.
    void fill(const std::string& key, cache_tags tags = tags_of("items")) {
        cache_.fill(
            key, std::move(tags), fetch_ttl, 10s,
            [this](cached_fetch::fetch_done done) { fetches_.push_back(std::move(done)); },
            [this](const cache_answer& a) {
                answers_.push_back({a.entry, std::string(a.x_cache),
                                    a.fetched ? std::optional(*a.fetched) : std::nullopt});
            });
    }
    // purge() without a shared tier answers at once.
    std::size_t purge(const std::string& route = {}) {
        std::optional<std::size_t> purged;
        cache_.purge(route, [&purged](std::size_t n) { purged = n; });
        EXPECT_TRUE(purged) << "purge did not answer at once";
        return purged.value_or(0);
    }
    // Completes the oldest fetch under way.
    void complete(forward_result result) {
        ASSERT_FALSE(fetches_.empty()) << "no fetch is under way";
        auto done = std::move(fetches_.front());
        fetches_.pop_front();
        done(std::move(result));
    }
    // Fills key with a storable answer and returns the entry stored.
    std::shared_ptr<const cached_response> store(const std::string& key,
                                                 cache_tags tags = tags_of("items")) {
        fill(key, std::move(tags));
        complete(answered(200, R"({"key":")" + key + "\"}"));
        EXPECT_TRUE(answers_.back().entry) << key << " was not stored";
        return answers_.back().entry;
    }

    manual_clock clock_;
    gateway_metrics metrics_;
    cached_fetch cache_{1 << 20, fetch_stale_window, clock_, metrics_};
    std::deque<cached_fetch::fetch_done> fetches_;
    std::vector<seen> answers_;
};

TEST_F(cached_fetch_test, a_stored_answer_is_fresh_until_its_ttl_has_passed) {
    EXPECT_EQ(cache_.fresh("k"), nullptr);
    const auto start = clock_.now();
    fill("k");
    complete(answered(200, R"({"a":1})"));
    ASSERT_EQ(answers_.size(), 1u);
    const auto entry = answers_[0].entry;
    ASSERT_TRUE(entry);
    EXPECT_EQ(answers_[0].x_cache, "MISS");
    EXPECT_EQ(entry->status, 200u);
    EXPECT_EQ(entry->content_type, "application/json");
    EXPECT_EQ(*entry->body, R"({"a":1})");
    EXPECT_EQ(entry->etag, make_etag(R"({"a":1})"));
    EXPECT_EQ(entry->stored_at, start);
    EXPECT_EQ(entry->expires_at, start + fetch_ttl);
    EXPECT_EQ(entry->stale_until, start + fetch_ttl + fetch_stale_window);

    EXPECT_EQ(cache_.fresh("k"), entry);
    clock_.advance(fetch_ttl - 1s);
    EXPECT_EQ(cache_.fresh("k"), entry);
    clock_.advance(1s);
    EXPECT_EQ(cache_.fresh("k"), nullptr);
    EXPECT_EQ(cache_.fresh("other"), nullptr);
}

TEST_F(cached_fetch_test, concurrent_misses_of_one_key_share_one_fetch_and_its_answer) {
    constexpr std::size_t callers = 5;
    for (std::size_t i = 0; i < callers; ++i) {
        fill("k");
    }
    fill("other key");
    EXPECT_EQ(fetches_.size(), 2u) << "one fetch per key";
    EXPECT_EQ(cache_.waiting(), callers + 1);
    EXPECT_TRUE(answers_.empty());

    complete(answered(200));
    ASSERT_EQ(answers_.size(), callers);
    for (const auto& a : answers_) {
        EXPECT_EQ(a.entry, answers_[0].entry);
        EXPECT_EQ(a.x_cache, "MISS");
    }
    EXPECT_TRUE(answers_[0].entry);
    EXPECT_EQ(cache_.waiting(), 1u);
    EXPECT_EQ(cache_.fresh("k"), answers_[0].entry);
}

TEST_F(cached_fetch_test, answers_that_may_not_be_stored_are_passed_through) {
    struct passed_case {
        unsigned status;
        std::string cache_control;
    };
    const std::vector<passed_case> cases{
        {503, ""}, {404, ""}, {201, ""}, {200, "no-store"}, {200, "max-age=60, private"}};
    for (const auto& c : cases) {
        answers_.clear();
        const auto key = std::to_string(c.status) + c.cache_control;
        fill(key);
        fill(key);
        complete(answered(c.status, R"({"s":1})", c.cache_control));
        ASSERT_EQ(answers_.size(), 2u) << key;
        for (const auto& a : answers_) {
            EXPECT_EQ(a.entry, nullptr) << key;
            EXPECT_EQ(a.x_cache, "MISS") << key;
            ASSERT_TRUE(a.fetched) << key;
            EXPECT_EQ(a.fetched->answer.status, c.status) << key;
            EXPECT_EQ(*a.fetched->answer.body, R"({"s":1})") << key;
        }
        EXPECT_EQ(cache_.fresh(key), nullptr) << key;
    }
    EXPECT_EQ(cache_.store().snapshot().entries, 0u);
}

TEST_F(cached_fetch_test, a_failed_fetch_without_a_stored_entry_passes_the_failure_on) {
    fill("k");
    complete(failed(forward_failure::timeout));
    ASSERT_EQ(answers_.size(), 1u);
    EXPECT_EQ(answers_[0].entry, nullptr);
    ASSERT_TRUE(answers_[0].fetched);
    EXPECT_EQ(answers_[0].fetched->failure, forward_failure::timeout);
}

TEST_F(cached_fetch_test, a_failed_refresh_serves_the_expired_entry_as_stale) {
    const std::vector<forward_result> failures{
        failed(forward_failure::unavailable), failed(forward_failure::timeout),
        failed(forward_failure::invalid_response), answered(502, R"({"down":true})")};
    for (std::size_t i = 0; i < failures.size(); ++i) {
        const auto key = "k" + std::to_string(i);
        const auto stored = store(key);
        clock_.advance(fetch_ttl + 5s);
        ASSERT_EQ(cache_.fresh(key), nullptr) << key;
        answers_.clear();
        fill(key);
        ASSERT_EQ(fetches_.size(), 1u) << "an expired entry is refreshed";
        complete(failures[i]);
        ASSERT_EQ(answers_.size(), 1u) << key;
        EXPECT_EQ(answers_[0].entry, stored) << key;
        EXPECT_EQ(answers_[0].x_cache, "STALE") << key;
    }
}

TEST_F(cached_fetch_test, an_auth_failure_is_not_hidden_behind_a_stale_entry) {
    store("k");
    clock_.advance(fetch_ttl + 1s);
    answers_.clear();
    fill("k");
    complete(failed(forward_failure::auth_failed));
    ASSERT_EQ(answers_.size(), 1u);
    EXPECT_EQ(answers_[0].entry, nullptr);
    ASSERT_TRUE(answers_[0].fetched);
    EXPECT_EQ(answers_[0].fetched->failure, forward_failure::auth_failed);
}

TEST_F(cached_fetch_test, past_the_stale_window_a_failed_refresh_is_the_error) {
    store("k");
    clock_.advance(fetch_ttl + fetch_stale_window);
    answers_.clear();
    fill("k");
    complete(failed(forward_failure::unavailable));
    ASSERT_EQ(answers_.size(), 1u);
    EXPECT_EQ(answers_[0].entry, nullptr);
    EXPECT_EQ(answers_[0].x_cache, "MISS");
    ASSERT_TRUE(answers_[0].fetched);
    EXPECT_EQ(answers_[0].fetched->failure, forward_failure::unavailable);
}

TEST_F(cached_fetch_test, a_successful_refresh_replaces_the_expired_entry) {
    const auto old = store("k");
    clock_.advance(fetch_ttl + 1s);
    answers_.clear();
    fill("k");
    complete(answered(200, R"({"v":2})"));
    ASSERT_EQ(answers_.size(), 1u);
    ASSERT_TRUE(answers_[0].entry);
    EXPECT_NE(answers_[0].entry, old);
    EXPECT_EQ(*answers_[0].entry->body, R"({"v":2})");
    EXPECT_EQ(cache_.fresh("k"), answers_[0].entry);
}

TEST_F(cached_fetch_test, invalidate_drops_only_the_entries_whose_tags_match) {
    store("item 1", tags_of("items", "1"));
    const auto item_2 = store("item 2", tags_of("items", "2"));
    const auto list = store("list", tags_of("lists", "1"));
    const auto dropped = cache_.invalidate(
        [](const cache_tags& tags) {
            return tags.route == "items" && tags.params[0].second == "1";
        },
        {"items"});
    EXPECT_EQ(dropped, 1u);
    EXPECT_EQ(cache_.fresh("item 1"), nullptr);
    EXPECT_EQ(cache_.fresh("item 2"), item_2);
    EXPECT_EQ(cache_.fresh("list"), list);
}

TEST_F(cached_fetch_test, a_fill_under_way_when_invalidate_matches_it_stores_nothing) {
    fill("k", tags_of("items"));
    fill("k", tags_of("items"));
    fill("unrelated", tags_of("lists"));
    EXPECT_EQ(
        cache_.invalidate([](const cache_tags& tags) { return tags.route == "items"; }, {"items"}),
        0u);

    complete(answered(200, R"({"before":"the write"})"));
    ASSERT_EQ(answers_.size(), 2u);
    for (const auto& a : answers_) {
        EXPECT_EQ(a.entry, nullptr) << "a doomed fill was stored";
        ASSERT_TRUE(a.fetched) << "a waiter of a doomed fill got no answer";
        EXPECT_EQ(a.fetched->answer.status, 200u);
        EXPECT_EQ(*a.fetched->answer.body, R"({"before":"the write"})");
    }
    EXPECT_EQ(cache_.fresh("k"), nullptr);

    // A fill the write did not match is stored, and the doom does not outlive its fill.
    complete(answered(200));
    EXPECT_TRUE(answers_.back().entry);
    EXPECT_NE(cache_.fresh("unrelated"), nullptr);
    store("k");
    EXPECT_NE(cache_.fresh("k"), nullptr);
}

TEST_F(cached_fetch_test, purge_drops_every_entry_and_every_fill_under_way) {
    store("a");
    store("b");
    fill("c");
    EXPECT_EQ(purge(), 2u);
    EXPECT_EQ(cache_.fresh("a"), nullptr);
    EXPECT_EQ(cache_.fresh("b"), nullptr);
    complete(answered(200));
    EXPECT_EQ(answers_.back().entry, nullptr);
    EXPECT_EQ(cache_.fresh("c"), nullptr);
    EXPECT_EQ(purge(), 0u);
}

TEST_F(cached_fetch_test, a_route_purge_drops_that_routes_entries_and_fills_only) {
    store("item", tags_of("items", "1"));
    const auto list = store("list", tags_of("lists", "1"));
    fill("item 2", tags_of("items", "2"));
    fill("list 2", tags_of("lists", "2"));
    EXPECT_EQ(purge("items"), 1u);
    EXPECT_EQ(cache_.fresh("item"), nullptr);
    EXPECT_EQ(cache_.fresh("list"), list);
    complete(answered(200));
    EXPECT_EQ(cache_.fresh("item 2"), nullptr) << "a fill of the purged route was stored";
    complete(answered(200));
    EXPECT_NE(cache_.fresh("list 2"), nullptr);
}

// The notices other replicas publish (section 13): a purge, or the routes a write or a route
// purge dropped. Anything else (a newer version's notice) changes nothing.
TEST_F(cached_fetch_test, notices_from_other_replicas_drop_what_they_name) {
    const auto keep = store("kept", tags_of("kept", "1"));
    store("item", tags_of("items", "1"));
    store("list", tags_of("lists", "1"));
    for (const auto* ignored : {"", "drop", "dropitems", "purge-all", "PURGE", "drop\n"}) {
        cache_.on_notice(ignored);
        EXPECT_NE(cache_.fresh("item"), nullptr) << "notice '" << ignored << "'";
    }
    cache_.on_notice("drop\nitems\nlists");
    EXPECT_EQ(cache_.fresh("item"), nullptr);
    EXPECT_EQ(cache_.fresh("list"), nullptr);
    EXPECT_EQ(cache_.fresh("kept"), keep);
    cache_.on_notice("purge");
    EXPECT_EQ(cache_.fresh("kept"), nullptr);
}

TEST_F(cached_fetch_test, forget_all_empties_the_memory_tier) {
    store("a");
    fill("b");
    cache_.forget_all();
    EXPECT_EQ(cache_.fresh("a"), nullptr);
    complete(answered(200));
    EXPECT_EQ(cache_.fresh("b"), nullptr) << "a fill under way outlived forget_all";
}

} // namespace
} // namespace kore_gateway
