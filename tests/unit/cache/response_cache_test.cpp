#include "kore_gateway/cache/response_cache.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace kore_gateway {
namespace {

using namespace std::chrono_literals;

constexpr auto cache_ttl = 10s;
constexpr auto cache_stale_window = 20s;
const std::string json_content_type = "application/json";
const std::string sample_etag = "\"0123456789abcdef0123456789abcdef\"";

std::shared_ptr<const cached_response> make_entry(const clock& c, std::string body,
                                                  clock::duration entry_ttl = cache_ttl,
                                                  clock::duration window = cache_stale_window) {
    const auto now = c.now();
    return std::make_shared<const cached_response>(
        cached_response{200, json_content_type, make_body(std::move(body)), sample_etag, now,
                        now + entry_ttl, now + entry_ttl + window});
}

// The documented charge, restated here so that a change to the formula fails the tests.
std::size_t bytes_of(std::string_view key, std::size_t body_size) {
    return key.size() + json_content_type.size() + sample_etag.size() + body_size +
           response_cache::entry_overhead;
}

bool contains(response_cache& cache, std::string_view key) {
    return cache.find(key).has_value();
}

TEST(response_cache, miss_on_empty_cache) {
    manual_clock c;
    response_cache cache(1 << 20, c);
    EXPECT_FALSE(cache.find("k"));
    const auto s = cache.snapshot();
    EXPECT_EQ(s.entries, 0u);
    EXPECT_EQ(s.bytes, 0u);
    EXPECT_EQ(s.evictions, 0u);
}

TEST(response_cache, hit_shares_the_stored_entry_and_body) {
    manual_clock c;
    response_cache cache(1 << 20, c);
    const auto entry = make_entry(c, "{\"a\":1}");
    ASSERT_TRUE(cache.insert("k", entry));
    const auto found = cache.find("k");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->state, freshness::fresh);
    EXPECT_EQ(found->entry, entry);
    EXPECT_EQ(found->entry->body, entry->body);
    EXPECT_EQ(*found->entry->body, "{\"a\":1}");
    EXPECT_FALSE(cache.find("other"));
}

TEST(response_cache, fresh_then_stale_then_gone_at_the_exact_boundaries) {
    manual_clock c;
    response_cache cache(1 << 20, c);
    ASSERT_TRUE(cache.insert("k", make_entry(c, "body")));

    c.advance(cache_ttl - 1ns);
    ASSERT_TRUE(cache.find("k"));
    EXPECT_EQ(cache.find("k")->state, freshness::fresh);

    c.advance(1ns); // == expires_at
    ASSERT_TRUE(cache.find("k"));
    EXPECT_EQ(cache.find("k")->state, freshness::stale);

    c.advance(cache_stale_window - 1ns); // one tick before stale_until
    ASSERT_TRUE(cache.find("k"));
    EXPECT_EQ(cache.find("k")->state, freshness::stale);
    EXPECT_EQ(cache.snapshot().entries, 1u);

    c.advance(1ns); // == stale_until
    EXPECT_FALSE(cache.find("k"));
    const auto s = cache.snapshot();
    EXPECT_EQ(s.entries, 0u);
    EXPECT_EQ(s.bytes, 0u);
    EXPECT_EQ(s.evictions, 0u);
}

TEST(response_cache, no_stale_window_means_gone_at_expiry) {
    manual_clock c;
    response_cache cache(1 << 20, c);
    ASSERT_TRUE(cache.insert("k", make_entry(c, "body", cache_ttl, 0s)));
    c.advance(cache_ttl - 1ns);
    EXPECT_EQ(cache.find("k")->state, freshness::fresh);
    c.advance(1ns);
    EXPECT_FALSE(cache.find("k"));
}

TEST(response_cache, an_expired_entry_replaced_before_lookup_is_served) {
    manual_clock c;
    response_cache cache(1 << 20, c);
    ASSERT_TRUE(cache.insert("k", make_entry(c, "old")));
    c.advance(cache_ttl + cache_stale_window);
    ASSERT_TRUE(cache.insert("k", make_entry(c, "new")));
    const auto found = cache.find("k");
    ASSERT_TRUE(found);
    EXPECT_EQ(*found->entry->body, "new");
    EXPECT_EQ(found->state, freshness::fresh);
}

TEST(response_cache, byte_count_follows_the_documented_formula) {
    manual_clock c;
    response_cache cache(1 << 20, c);
    ASSERT_TRUE(cache.insert("key-1", make_entry(c, std::string(100, 'x'))));
    ASSERT_TRUE(cache.insert("key-22", make_entry(c, std::string(7, 'y'))));
    const auto s = cache.snapshot();
    EXPECT_EQ(s.entries, 2u);
    EXPECT_EQ(s.bytes, bytes_of("key-1", 100) + bytes_of("key-22", 7));
}

TEST(response_cache, an_entry_without_a_body_counts_no_body_bytes) {
    manual_clock c;
    response_cache cache(1 << 20, c);
    const auto now = c.now();
    ASSERT_TRUE(cache.insert("k", std::make_shared<const cached_response>(
                                      cached_response{200, json_content_type, nullptr, sample_etag,
                                                      now, now + cache_ttl, now + cache_ttl})));
    EXPECT_EQ(cache.snapshot().bytes, bytes_of("k", 0));
}

TEST(response_cache, replacing_a_key_updates_bytes) {
    manual_clock c;
    response_cache cache(1 << 20, c);
    ASSERT_TRUE(cache.insert("k", make_entry(c, std::string(100, 'x'))));
    ASSERT_TRUE(cache.insert("k", make_entry(c, std::string(30, 'y'))));
    auto s = cache.snapshot();
    EXPECT_EQ(s.entries, 1u);
    EXPECT_EQ(s.bytes, bytes_of("k", 30));
    EXPECT_EQ(*cache.find("k")->entry->body, std::string(30, 'y'));
    ASSERT_TRUE(cache.insert("k", make_entry(c, std::string(500, 'z'))));
    s = cache.snapshot();
    EXPECT_EQ(s.bytes, bytes_of("k", 500));
    EXPECT_EQ(s.evictions, 0u);
}

TEST(response_cache, zero_max_bytes_stores_nothing) {
    manual_clock c;
    response_cache cache(0, c);
    EXPECT_FALSE(cache.insert("k", make_entry(c, "")));
    EXPECT_FALSE(cache.find("k"));
    EXPECT_EQ(cache.snapshot().entries, 0u);
}

TEST(response_cache, a_null_entry_is_refused) {
    manual_clock c;
    response_cache cache(1 << 20, c);
    EXPECT_FALSE(cache.insert("k", nullptr));
    EXPECT_EQ(cache.snapshot().entries, 0u);
}

TEST(response_cache, an_entry_exactly_at_the_bound_is_stored) {
    manual_clock c;
    response_cache cache(bytes_of("k", 10), c);
    EXPECT_TRUE(cache.insert("k", make_entry(c, std::string(10, 'x'))));
    EXPECT_EQ(cache.snapshot().bytes, bytes_of("k", 10));
}

TEST(response_cache, an_entry_larger_than_the_bound_is_refused_and_evicts_nothing) {
    manual_clock c;
    response_cache cache(3 * bytes_of("k0", 10), c);
    for (auto key : {"k0", "k1", "k2"}) {
        ASSERT_TRUE(cache.insert(key, make_entry(c, std::string(10, 'x'))));
    }
    EXPECT_FALSE(cache.insert("big", make_entry(c, std::string(3 * bytes_of("k0", 10), 'x'))));
    const auto s = cache.snapshot();
    EXPECT_EQ(s.entries, 3u);
    EXPECT_EQ(s.evictions, 0u);
    EXPECT_FALSE(contains(cache, "big"));
}

TEST(response_cache, an_oversized_replacement_keeps_the_old_entry) {
    manual_clock c;
    response_cache cache(bytes_of("k", 10), c);
    ASSERT_TRUE(cache.insert("k", make_entry(c, std::string(10, 'x'))));
    EXPECT_FALSE(cache.insert("k", make_entry(c, std::string(11, 'y'))));
    EXPECT_EQ(*cache.find("k")->entry->body, std::string(10, 'x'));
}

TEST(response_cache, evicts_least_recently_inserted_first) {
    manual_clock c;
    // Room for exactly three entries of this shape.
    response_cache cache(3 * bytes_of("k0", 10), c);
    for (auto key : {"k0", "k1", "k2", "k3"}) {
        ASSERT_TRUE(cache.insert(key, make_entry(c, std::string(10, 'x'))));
    }
    auto s = cache.snapshot();
    EXPECT_EQ(s.entries, 3u);
    EXPECT_EQ(s.bytes, 3 * bytes_of("k0", 10));
    EXPECT_EQ(s.evictions, 1u);
    EXPECT_FALSE(contains(cache, "k0"));

    ASSERT_TRUE(cache.insert("k4", make_entry(c, std::string(10, 'x'))));
    EXPECT_FALSE(contains(cache, "k1"));
    EXPECT_EQ(cache.snapshot().evictions, 2u);
    // Order now k2, k3, k4: check newest first so that the checks do not reorder what follows.
    EXPECT_TRUE(contains(cache, "k4"));
    EXPECT_TRUE(contains(cache, "k3"));
    EXPECT_TRUE(contains(cache, "k2"));
}

TEST(response_cache, a_find_makes_an_entry_the_most_recent) {
    manual_clock c;
    response_cache cache(3 * bytes_of("k0", 10), c);
    for (auto key : {"k0", "k1", "k2"}) {
        ASSERT_TRUE(cache.insert(key, make_entry(c, std::string(10, 'x'))));
    }
    ASSERT_TRUE(contains(cache, "k0")); // order: k1, k2, k0
    ASSERT_TRUE(cache.insert("k3", make_entry(c, std::string(10, 'x'))));
    // k1 went; order: k2, k0, k3.
    ASSERT_TRUE(contains(cache, "k2")); // order: k0, k3, k2
    ASSERT_TRUE(cache.insert("k4", make_entry(c, std::string(10, 'x'))));
    // k0 went; order: k3, k2, k4.
    ASSERT_TRUE(cache.insert("k5", make_entry(c, std::string(10, 'x'))));
    // k3 went; order: k2, k4, k5.
    EXPECT_EQ(cache.snapshot().evictions, 3u);
    EXPECT_FALSE(contains(cache, "k1"));
    EXPECT_FALSE(contains(cache, "k0"));
    EXPECT_FALSE(contains(cache, "k3"));
    EXPECT_TRUE(contains(cache, "k5"));
    EXPECT_TRUE(contains(cache, "k4"));
    EXPECT_TRUE(contains(cache, "k2"));
}

TEST(response_cache, repeated_finds_of_the_newest_entry_keep_the_order) {
    manual_clock c;
    response_cache cache(2 * bytes_of("k0", 10), c);
    ASSERT_TRUE(cache.insert("k0", make_entry(c, std::string(10, 'x'))));
    ASSERT_TRUE(cache.insert("k1", make_entry(c, std::string(10, 'x'))));
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(contains(cache, "k0"));
    }
    ASSERT_TRUE(contains(cache, "k1"));
    ASSERT_TRUE(contains(cache, "k1"));
    ASSERT_TRUE(cache.insert("k2", make_entry(c, std::string(10, 'x'))));
    EXPECT_FALSE(contains(cache, "k0"));
    EXPECT_TRUE(contains(cache, "k1"));
}

TEST(response_cache, replacing_a_key_makes_it_the_most_recent) {
    manual_clock c;
    response_cache cache(2 * bytes_of("k0", 10), c);
    ASSERT_TRUE(cache.insert("k0", make_entry(c, std::string(10, 'x'))));
    ASSERT_TRUE(cache.insert("k1", make_entry(c, std::string(10, 'x'))));
    ASSERT_TRUE(cache.insert("k0", make_entry(c, std::string(10, 'y'))));
    ASSERT_TRUE(cache.insert("k2", make_entry(c, std::string(10, 'x'))));
    EXPECT_FALSE(contains(cache, "k1"));
    EXPECT_TRUE(contains(cache, "k0"));
}

TEST(response_cache, a_large_entry_evicts_as_many_old_ones_as_needed_in_order) {
    manual_clock c;
    response_cache cache(4 * bytes_of("k0", 10), c);
    for (auto key : {"k0", "k1", "k2", "k3"}) {
        ASSERT_TRUE(cache.insert(key, make_entry(c, std::string(10, 'x'))));
    }
    ASSERT_TRUE(contains(cache, "k0")); // order: k1, k2, k3, k0
    // Needs the room of two small entries plus one byte: three go.
    const auto big_body = 2 * bytes_of("k0", 10) + 1 - bytes_of("bg", 0);
    ASSERT_TRUE(cache.insert("bg", make_entry(c, std::string(big_body, 'b'))));
    const auto s = cache.snapshot();
    EXPECT_EQ(s.evictions, 3u);
    EXPECT_EQ(s.entries, 2u);
    EXPECT_EQ(s.bytes, bytes_of("k0", 10) + bytes_of("bg", big_body));
    EXPECT_TRUE(contains(cache, "k0"));
    EXPECT_TRUE(contains(cache, "bg"));
}

TEST(response_cache, purge_removes_everything_and_counts_it) {
    manual_clock c;
    response_cache cache(2 * bytes_of("k0", 10), c);
    for (auto key : {"k0", "k1", "k2"}) {
        ASSERT_TRUE(cache.insert(key, make_entry(c, std::string(10, 'x'))));
    }
    EXPECT_EQ(cache.purge(), 2u);
    const auto s = cache.snapshot();
    EXPECT_EQ(s.entries, 0u);
    EXPECT_EQ(s.bytes, 0u);
    EXPECT_EQ(s.evictions, 1u); // evictions are a running total; purging is not evicting
    EXPECT_FALSE(contains(cache, "k1"));
    EXPECT_FALSE(contains(cache, "k2"));
    EXPECT_EQ(cache.purge(), 0u);
    ASSERT_TRUE(cache.insert("k3", make_entry(c, std::string(10, 'x'))));
    EXPECT_TRUE(contains(cache, "k3"));
}

TEST(response_cache, a_purged_entry_stays_readable_by_whoever_holds_it) {
    manual_clock c;
    response_cache cache(1 << 20, c);
    ASSERT_TRUE(cache.insert("k", make_entry(c, "body")));
    const auto held = cache.find("k");
    ASSERT_TRUE(held);
    cache.purge();
    EXPECT_EQ(*held->entry->body, "body");
}

// Four threads hit, insert, expire and evict a handful of keys; run under TSan as well.
TEST(response_cache, concurrent_finds_and_inserts_keep_the_books_straight) {
    constexpr int threads = 4;
    constexpr int iterations = 2000;
    constexpr int keys = 16;
    manual_clock c;
    const auto key_of = [](int k) { return "key-" + std::to_string(k); };
    const auto body_of = [](int k, int round) {
        return std::string(10 + (k * 7 + round) % 50, static_cast<char>('a' + k));
    };
    const std::size_t max_bytes = 6 * bytes_of("key-10", 60);
    response_cache cache(max_bytes, c);

    std::vector<std::thread> workers;
    std::vector<int> failures(threads, 0);
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (int i = 0; i < iterations; ++i) {
                const int k = (i * 5 + t * 3) % keys;
                const auto key = key_of(k);
                if (const auto found = cache.find(key)) {
                    const auto& body = *found->entry->body;
                    if (body.empty() || body.front() != static_cast<char>('a' + k)) {
                        ++failures[t];
                    }
                } else if (!cache.insert(key, make_entry(c, body_of(k, i), 1s, 1s))) {
                    ++failures[t];
                }
                if (cache.snapshot().bytes > max_bytes) {
                    ++failures[t];
                }
                if (t == 0 && i % 16 == 0) {
                    c.advance(500ms);
                }
            }
        });
    }
    for (auto& w : workers) {
        w.join();
    }
    for (int t = 0; t < threads; ++t) {
        EXPECT_EQ(failures[t], 0) << "thread " << t;
    }

    // Finding every key erases the dead ones, so what remains is exactly what was found.
    std::size_t found_entries = 0;
    std::size_t found_bytes = 0;
    for (int k = 0; k < keys; ++k) {
        const auto key = key_of(k);
        if (const auto found = cache.find(key)) {
            ++found_entries;
            found_bytes += bytes_of(key, found->entry->body->size());
        }
    }
    const auto s = cache.snapshot();
    EXPECT_EQ(s.entries, found_entries);
    EXPECT_EQ(s.bytes, found_bytes);
    EXPECT_LE(s.bytes, max_bytes);
    EXPECT_GT(s.evictions, 0u);
    EXPECT_EQ(cache.purge(), found_entries);
    EXPECT_EQ(cache.snapshot().bytes, 0u);
}

} // namespace
} // namespace kore_gateway
