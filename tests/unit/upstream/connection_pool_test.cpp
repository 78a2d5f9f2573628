#include "kore_gateway/upstream/connection_pool.hpp"

#include <gtest/gtest.h>

namespace kore_gateway {
namespace {

using namespace std::chrono_literals;

// Connections and waiters are plain numbers here: the pool never looks inside them.
using pool = connection_pool<int, int>;
const pool::time_point pool_t0 = pool::time_point{} + 1h;

TEST(connection_pool, opens_while_under_the_bound_then_queues) {
    pool p(2, 30s);
    EXPECT_EQ(p.acquire(1, pool_t0).step, acquire_step::open);
    EXPECT_EQ(p.acquire(2, pool_t0).step, acquire_step::open);
    EXPECT_EQ(p.acquire(3, pool_t0).step, acquire_step::wait);
    EXPECT_EQ(p.busy(), 2u);
    EXPECT_EQ(p.waiting(), 1u);
}

TEST(connection_pool, a_released_connection_is_reused_without_opening) {
    pool p(2, 30s);
    ASSERT_EQ(p.acquire(1, pool_t0).step, acquire_step::open);
    EXPECT_EQ(p.release(10, pool_t0).step, release_step::none);
    EXPECT_EQ(p.idle(), 1u);
    EXPECT_EQ(p.busy(), 0u);

    const auto got = p.acquire(2, pool_t0 + 1s);
    EXPECT_EQ(got.step, acquire_step::reuse);
    EXPECT_EQ(got.connection, 10);
    EXPECT_EQ(p.idle(), 0u);
    EXPECT_EQ(p.busy(), 1u);
}

TEST(connection_pool, the_most_recently_used_connection_is_reused_first) {
    pool p(3, 30s);
    p.acquire(1, pool_t0);
    p.acquire(2, pool_t0);
    p.release(10, pool_t0);
    p.release(20, pool_t0 + 1s);
    EXPECT_EQ(p.acquire(3, pool_t0 + 2s).connection, 20);
    EXPECT_EQ(p.acquire(4, pool_t0 + 2s).connection, 10);
}

TEST(connection_pool, idle_and_busy_together_stay_within_the_bound) {
    pool p(2, 30s);
    p.acquire(1, pool_t0);
    p.acquire(2, pool_t0);
    p.release(10, pool_t0); // one idle, one busy
    EXPECT_EQ(p.acquire(3, pool_t0).step, acquire_step::reuse);
    EXPECT_EQ(p.acquire(4, pool_t0).step, acquire_step::wait);
}

TEST(connection_pool, a_released_connection_goes_to_the_first_waiter) {
    pool p(1, 30s);
    p.acquire(1, pool_t0);
    p.acquire(2, pool_t0);
    p.acquire(3, pool_t0);
    const auto h = p.release(10, pool_t0);
    EXPECT_EQ(h.step, release_step::reuse);
    EXPECT_EQ(h.waiter, 2);
    EXPECT_EQ(h.connection, 10);
    EXPECT_EQ(p.busy(), 1u);
    EXPECT_EQ(p.idle(), 0u);
    EXPECT_EQ(p.waiting(), 1u);
}

TEST(connection_pool, a_discarded_slot_passes_to_the_first_waiter_which_opens) {
    pool p(1, 30s);
    p.acquire(1, pool_t0);
    p.acquire(2, pool_t0);
    const auto h = p.discard();
    EXPECT_EQ(h.step, release_step::open);
    EXPECT_EQ(h.waiter, 2);
    EXPECT_EQ(p.busy(), 1u);

    EXPECT_EQ(p.discard().step, release_step::none);
    EXPECT_EQ(p.busy(), 0u);
    EXPECT_EQ(p.acquire(3, pool_t0).step, acquire_step::open);
}

TEST(connection_pool, a_cancelled_waiter_is_not_served) {
    pool p(1, 30s);
    p.acquire(1, pool_t0);
    p.acquire(2, pool_t0);
    p.acquire(3, pool_t0);
    EXPECT_TRUE(p.cancel(2));
    EXPECT_FALSE(p.cancel(2));
    EXPECT_EQ(p.release(10, pool_t0).waiter, 3);
    EXPECT_FALSE(p.cancel(3)); // already served
}

TEST(connection_pool, idle_connections_expire_after_the_idle_timeout) {
    pool p(2, 30s);
    p.acquire(1, pool_t0);
    p.acquire(2, pool_t0);
    p.release(10, pool_t0);
    p.release(20, pool_t0 + 10s);
    EXPECT_EQ(p.next_expiry(), pool_t0 + 30s);

    EXPECT_TRUE(p.expire_idle(pool_t0 + 29s).empty());
    EXPECT_EQ(p.expire_idle(pool_t0 + 30s), std::vector<int>{10});
    EXPECT_EQ(p.next_expiry(), pool_t0 + 40s);
    EXPECT_EQ(p.expire_idle(pool_t0 + 40s), std::vector<int>{20});
    EXPECT_EQ(p.next_expiry(), std::nullopt);
    EXPECT_EQ(p.idle(), 0u);
}

TEST(connection_pool, an_expired_idle_connection_is_not_reused) {
    pool p(1, 30s);
    p.acquire(1, pool_t0);
    p.release(10, pool_t0);
    const auto got = p.acquire(2, pool_t0 + 31s);
    EXPECT_EQ(got.step, acquire_step::open);
    EXPECT_EQ(got.expired, std::vector<int>{10});
    EXPECT_EQ(p.busy(), 1u);
}

TEST(connection_pool, shutdown_drains_idle_and_waiters_and_refuses_later_requests) {
    pool p(1, 30s);
    p.acquire(1, pool_t0);
    p.release(10, pool_t0);
    p.acquire(2, pool_t0); // reuses 10
    p.acquire(3, pool_t0);
    p.acquire(4, pool_t0);

    const auto drained = p.shutdown();
    EXPECT_TRUE(drained.idle.empty());
    EXPECT_EQ(drained.waiters, (std::vector<int>{3, 4}));
    EXPECT_EQ(p.acquire(5, pool_t0).step, acquire_step::closed);

    const auto h = p.release(10, pool_t0);
    EXPECT_EQ(h.step, release_step::close);
    EXPECT_EQ(h.connection, 10);
    EXPECT_EQ(p.busy(), 0u);
}

TEST(connection_pool, shutdown_returns_the_idle_connections_to_close) {
    pool p(2, 30s);
    p.acquire(1, pool_t0);
    p.acquire(2, pool_t0);
    p.release(10, pool_t0);
    p.discard();
    const auto drained = p.shutdown();
    EXPECT_EQ(drained.idle, std::vector<int>{10});
    EXPECT_EQ(p.idle(), 0u);
    EXPECT_EQ(p.busy(), 0u);
}

TEST(connection_pool, a_bound_of_zero_still_allows_one_connection) {
    pool p(0, 30s);
    EXPECT_EQ(p.acquire(1, pool_t0).step, acquire_step::open);
    EXPECT_EQ(p.acquire(2, pool_t0).step, acquire_step::wait);
}

} // namespace
} // namespace kore_gateway
