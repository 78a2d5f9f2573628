#include "kore_gateway/util/backoff.hpp"

#include <gtest/gtest.h>

namespace kore_gateway {
namespace {

using namespace std::chrono_literals;

TEST(backoff, grows_exponentially_up_to_the_cap) {
    const backoff_policy policy;
    const clock::duration expected[] = {500ms, 1s, 2s, 4s, 8s, 16s, 30s, 30s};
    for (int n = 1; n <= 8; ++n) {
        EXPECT_EQ(backoff_delay(policy, n, 0.0), expected[n - 1]) << n;
    }
    EXPECT_EQ(backoff_delay(policy, 1000000, 0.0), 30s);
}

TEST(backoff, jitter_shortens_the_delay_by_at_most_a_quarter) {
    const backoff_policy policy;
    EXPECT_EQ(backoff_delay(policy, 1, 1.0), 375ms);
    EXPECT_EQ(backoff_delay(policy, 20, 1.0), 22500ms);
    const auto mid = backoff_delay(policy, 3, 0.5);
    EXPECT_LT(mid, 2s);
    EXPECT_GT(mid, 1500ms);
}

} // namespace
} // namespace kore_gateway
