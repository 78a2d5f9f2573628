#include "kore_gateway/cache/coalescer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <string>
#include <system_error>
#include <thread>
#include <variant>
#include <vector>

namespace kore_gateway {
namespace {

TEST(coalescer, first_join_leads_and_the_rest_wait) {
    coalescer<int> flights;
    std::vector<int> got;
    const auto record = [&](const int& r) { got.push_back(r); };
    EXPECT_TRUE(flights.join("k", record));
    for (int i = 0; i < 4; ++i) {
        EXPECT_FALSE(flights.join("k", record));
    }
    EXPECT_EQ(flights.in_flight(), 1u);
    EXPECT_EQ(flights.waiting(), 5u);
    EXPECT_TRUE(got.empty());

    flights.complete("k", 42);
    EXPECT_EQ(got, std::vector<int>(5, 42));
    EXPECT_EQ(flights.in_flight(), 0u);
    EXPECT_EQ(flights.waiting(), 0u);
}

TEST(coalescer, waiting_counts_the_callers_of_every_flight_until_theirs_completes) {
    coalescer<int> flights;
    const auto ignore = [](const int&) {};
    flights.join("a", ignore);
    flights.join("a", ignore);
    flights.join("b", ignore);
    EXPECT_EQ(flights.waiting(), 3u);
    flights.complete("b", 1);
    EXPECT_EQ(flights.waiting(), 2u);
    flights.complete("unknown", 1);
    EXPECT_EQ(flights.waiting(), 2u);
    flights.complete("a", 1);
    EXPECT_EQ(flights.waiting(), 0u);
}

TEST(coalescer, each_waiter_is_called_exactly_once) {
    coalescer<int> flights;
    std::vector<int> calls(3, 0);
    for (int i = 0; i < 3; ++i) {
        flights.join("k", [&calls, i](const int&) { ++calls[i]; });
    }
    flights.complete("k", 1);
    flights.complete("k", 2);
    EXPECT_EQ(calls, std::vector<int>(3, 1));
}

TEST(coalescer, errors_fan_out_to_every_waiter) {
    using result = std::variant<std::string, std::error_code>;
    coalescer<result> flights;
    std::vector<result> got;
    for (int i = 0; i < 3; ++i) {
        flights.join("k", [&](const result& r) { got.push_back(r); });
    }
    const auto failure = std::make_error_code(std::errc::timed_out);
    flights.complete("k", failure);
    ASSERT_EQ(got.size(), 3u);
    for (const auto& r : got) {
        ASSERT_TRUE(std::holds_alternative<std::error_code>(r));
        EXPECT_EQ(std::get<std::error_code>(r), failure);
    }
}

TEST(coalescer, a_join_after_complete_starts_a_new_flight) {
    coalescer<int> flights;
    std::vector<int> first;
    std::vector<int> second;
    EXPECT_TRUE(flights.join("k", [&](const int& r) { first.push_back(r); }));
    flights.complete("k", 1);
    EXPECT_TRUE(flights.join("k", [&](const int& r) { second.push_back(r); }));
    EXPECT_FALSE(flights.join("k", [&](const int& r) { second.push_back(r); }));
    flights.complete("k", 2);
    EXPECT_EQ(first, std::vector<int>{1});
    EXPECT_EQ(second, (std::vector<int>{2, 2}));
}

TEST(coalescer, a_waiter_may_join_again_from_inside_complete) {
    coalescer<int> flights;
    std::vector<int> got;
    bool rejoined_as_leader = false;
    flights.join("k", [&](const int& r) {
        got.push_back(r);
        rejoined_as_leader = flights.join("k", [&](const int& again) { got.push_back(again); });
    });
    flights.complete("k", 1);
    EXPECT_TRUE(rejoined_as_leader);
    EXPECT_EQ(flights.in_flight(), 1u);
    flights.complete("k", 2);
    EXPECT_EQ(got, (std::vector<int>{1, 2}));
}

TEST(coalescer, keys_are_independent) {
    coalescer<int> flights;
    std::vector<int> a;
    std::vector<int> b;
    EXPECT_TRUE(flights.join("a", [&](const int& r) { a.push_back(r); }));
    EXPECT_TRUE(flights.join("b", [&](const int& r) { b.push_back(r); }));
    EXPECT_FALSE(flights.join("a", [&](const int& r) { a.push_back(r); }));
    EXPECT_EQ(flights.in_flight(), 2u);

    flights.complete("b", 7);
    EXPECT_TRUE(a.empty());
    EXPECT_EQ(b, std::vector<int>{7});
    EXPECT_EQ(flights.in_flight(), 1u);

    flights.complete("a", 3);
    EXPECT_EQ(a, (std::vector<int>{3, 3}));
    EXPECT_EQ(b, std::vector<int>{7});
}

TEST(coalescer, completing_an_unknown_key_does_nothing) {
    coalescer<int> flights;
    std::vector<int> got;
    flights.join("a", [&](const int& r) { got.push_back(r); });
    flights.complete("b", 1);
    EXPECT_TRUE(got.empty());
    EXPECT_EQ(flights.in_flight(), 1u);
}

// Each round, all threads join one key at once; exactly one of them leads and completes, and
// every thread's waiter gets that round's result once.
TEST(coalescer, concurrent_joins_give_one_leader_per_flight) {
    constexpr int threads = 4;
    constexpr int rounds = 500;
    coalescer<int> flights;
    std::barrier sync(threads);
    std::vector<std::atomic<int>> leaders(rounds);
    std::vector<std::vector<int>> got(threads);

    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (int round = 0; round < rounds; ++round) {
                const bool leader =
                    flights.join("k", [&got, t](const int& r) { got[t].push_back(r); });
                if (leader) {
                    leaders[round].fetch_add(1);
                }
                sync.arrive_and_wait(); // everyone has joined this round's flight
                if (leader) {
                    flights.complete("k", round);
                }
                sync.arrive_and_wait(); // the flight is over before the next round joins
            }
        });
    }
    for (auto& w : workers) {
        w.join();
    }

    std::vector<int> expected(rounds);
    for (int round = 0; round < rounds; ++round) {
        EXPECT_EQ(leaders[round].load(), 1) << "round " << round;
        expected[round] = round;
    }
    for (int t = 0; t < threads; ++t) {
        EXPECT_EQ(got[t], expected) << "thread " << t;
    }
    EXPECT_EQ(flights.in_flight(), 0u);
}

// Free-running joins on a few keys, each leader completing at once: no waiter is lost or called
// twice.
TEST(coalescer, concurrent_flights_call_every_waiter_once) {
    constexpr int threads = 4;
    constexpr int iterations = 2000;
    coalescer<int> flights;
    std::atomic<int> calls{0};

    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (int i = 0; i < iterations; ++i) {
                const auto key = "k" + std::to_string((i + t) % 3);
                if (flights.join(key, [&calls](const int&) { calls.fetch_add(1); })) {
                    flights.complete(key, i);
                }
            }
        });
    }
    for (auto& w : workers) {
        w.join();
    }
    EXPECT_EQ(flights.in_flight(), 0u);
    EXPECT_EQ(calls.load(), threads * iterations);
}

} // namespace
} // namespace kore_gateway
