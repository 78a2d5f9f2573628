#include "kore_gateway/limits/rate_limiter.hpp"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace kore_gateway {
namespace {

using namespace std::chrono_literals;

int admitted_in_a_row(rate_limiter& limiter, const std::string& ip, int attempts) {
    int admitted = 0;
    for (int i = 0; i < attempts; ++i) {
        admitted += limiter.admit(ip).allowed ? 1 : 0;
    }
    return admitted;
}

std::string ip_number(int n) {
    return "10." + std::to_string(n / 65536 % 256) + "." + std::to_string(n / 256 % 256) + "." +
           std::to_string(n % 256);
}

TEST(rate_limiter, allows_a_burst_of_twice_the_rate_then_refuses) {
    manual_clock clock;
    rate_limiter limiter(5, clock);
    for (int i = 0; i < 10; ++i) {
        const auto d = limiter.admit("192.0.2.1");
        EXPECT_TRUE(d.allowed) << i;
        EXPECT_EQ(d.retry_after, 0s);
    }
    EXPECT_FALSE(limiter.admit("192.0.2.1").allowed);
}

TEST(rate_limiter, refills_at_the_rate_up_to_the_burst) {
    manual_clock clock;
    rate_limiter limiter(5, clock);
    EXPECT_EQ(admitted_in_a_row(limiter, "192.0.2.1", 10), 10);
    clock.advance(1s);
    EXPECT_EQ(admitted_in_a_row(limiter, "192.0.2.1", 20), 5);
    clock.advance(100ms);
    EXPECT_FALSE(limiter.admit("192.0.2.1").allowed);
    clock.advance(150ms); // 250 ms in all: one more token, with a little to spare
    EXPECT_EQ(admitted_in_a_row(limiter, "192.0.2.1", 3), 1);
    clock.advance(1h);
    EXPECT_EQ(admitted_in_a_row(limiter, "192.0.2.1", 30), 10);
}

TEST(rate_limiter, retry_after_is_the_wait_for_one_token_rounded_up) {
    manual_clock clock;
    rate_limiter slow(1, clock);
    EXPECT_EQ(admitted_in_a_row(slow, "a", 2), 2);
    EXPECT_EQ(slow.admit("a").retry_after, 1s);

    rate_limiter very_slow(0.1, clock); // burst rounds up to one request
    EXPECT_TRUE(very_slow.admit("a").allowed);
    auto d = very_slow.admit("a");
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.retry_after, 10s);
    clock.advance(2500ms);
    EXPECT_EQ(very_slow.admit("a").retry_after, 8s);

    rate_limiter fast(1000, clock);
    EXPECT_EQ(admitted_in_a_row(fast, "a", 2000), 2000);
    d = fast.admit("a");
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.retry_after, 1s);
}

TEST(rate_limiter, clients_have_independent_buckets) {
    manual_clock clock;
    rate_limiter limiter(2, clock);
    EXPECT_EQ(admitted_in_a_row(limiter, "192.0.2.1", 10), 4);
    EXPECT_EQ(admitted_in_a_row(limiter, "192.0.2.2", 10), 4);
    EXPECT_EQ(admitted_in_a_row(limiter, "2001:db8::1", 10), 4);
    EXPECT_EQ(limiter.tracked_clients(), 3U);
}

TEST(rate_limiter, zero_rate_disables_it) {
    manual_clock clock;
    for (const double rps : {0.0, -1.0}) {
        rate_limiter limiter(rps, clock);
        EXPECT_FALSE(limiter.enabled());
        EXPECT_EQ(admitted_in_a_row(limiter, "192.0.2.1", 1000), 1000);
        EXPECT_EQ(limiter.tracked_clients(), 0U);
    }
    EXPECT_TRUE(rate_limiter(0.5, clock).enabled());
}

TEST(rate_limiter, forgets_clients_whose_bucket_is_full_again) {
    manual_clock clock;
    rate_limiter limiter(10, clock);
    for (int i = 0; i < 1000; ++i) {
        limiter.admit(ip_number(i));
    }
    EXPECT_EQ(limiter.tracked_clients(), 1000U);
    clock.advance(2s); // a burst of 20 at 10 rps refills in 2 s
    for (int i = 1000; i < 2000; ++i) {
        limiter.admit(ip_number(i));
    }
    EXPECT_EQ(limiter.tracked_clients(), 1000U);
}

TEST(rate_limiter, keeps_clients_whose_bucket_is_not_full_yet) {
    manual_clock clock;
    rate_limiter limiter(10, clock);
    EXPECT_EQ(admitted_in_a_row(limiter, "192.0.2.1", 30), 20);
    clock.advance(1s);
    for (int i = 0; i < 1000; ++i) {
        limiter.admit(ip_number(i));
    }
    EXPECT_EQ(admitted_in_a_row(limiter, "192.0.2.1", 30), 10);
}

TEST(rate_limiter, a_flood_of_clients_stays_bounded_and_evicts_the_longest_idle) {
    manual_clock clock;
    rate_limiter limiter(1, clock);
    const auto bound = rate_limiter::shard_count * rate_limiter::max_clients_per_shard;
    EXPECT_EQ(admitted_in_a_row(limiter, "192.0.2.1", 5), 2);
    for (int i = 0; i < static_cast<int>(bound) * 3 / 2; ++i) {
        limiter.admit(ip_number(i));
        if (i % 1000 == 0) {
            EXPECT_FALSE(limiter.admit("192.0.2.1").allowed); // busy, so never evicted
        }
    }
    EXPECT_EQ(limiter.tracked_clients(), bound);
    EXPECT_FALSE(limiter.admit("192.0.2.1").allowed);
}

TEST(rate_limiter, concurrent_admits_never_exceed_the_burst) {
    manual_clock clock;
    rate_limiter limiter(50, clock);
    std::atomic<int> admitted{0};
    std::atomic<int> admitted_other{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 500; ++i) {
                admitted += limiter.admit("192.0.2.1").allowed ? 1 : 0;
                admitted_other += limiter.admit("192.0.2.2").allowed ? 1 : 0;
                limiter.admit(ip_number(t * 1000 + i));
                if (i % 100 == 0) {
                    EXPECT_GE(limiter.tracked_clients(), 2U);
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(admitted.load(), 100);
    EXPECT_EQ(admitted_other.load(), 100);
    EXPECT_EQ(limiter.tracked_clients(), 2U + 4 * 500);
}

} // namespace
} // namespace kore_gateway
