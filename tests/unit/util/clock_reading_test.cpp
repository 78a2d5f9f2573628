#include "kore_gateway/util/clock_reading.hpp"

#include <gtest/gtest.h>

namespace kore_gateway {
namespace {

using namespace std::chrono_literals;

const clock_reading now{clock_reading::wall_time{1'700'000'000'123ms}, clock::time_point{} + 5h};

TEST(clock_reading, an_instant_keeps_its_distance_from_now_on_the_other_clock) {
    EXPECT_EQ(now.to_wall(now.steady + 30s), now.wall + 30s);
    EXPECT_EQ(now.to_wall(now.steady - 2s), now.wall - 2s);
    EXPECT_EQ(now.to_steady(now.wall + 30s), now.steady + 30s);
    EXPECT_EQ(now.to_steady(now.wall - 2s), now.steady - 2s);
}

TEST(clock_reading, unix_milliseconds_round_trip_through_the_steady_clock) {
    EXPECT_EQ(now.to_unix_ms(now.steady), 1'700'000'000'123);
    EXPECT_EQ(now.to_unix_ms(now.steady + 1500ms), 1'700'000'001'623);
    EXPECT_EQ(now.from_unix_ms(1'700'000'001'623), now.steady + 1500ms);
}

TEST(clock_reading, another_process_with_another_steady_origin_sees_the_same_remaining_time) {
    const auto written = now.to_unix_ms(now.steady + 60s);
    const clock_reading later_elsewhere{now.wall + 20s, clock::time_point{} + 100h};
    EXPECT_EQ(later_elsewhere.from_unix_ms(written) - later_elsewhere.steady, 40s);
}

TEST(clock_reading, the_largest_accepted_instant_converts_without_overflow) {
    const auto far = now.from_unix_ms(max_unix_ms);
    EXPECT_GT(far, now.steady);
    EXPECT_EQ(now.to_unix_ms(far), max_unix_ms);
    EXPECT_LT(now.from_unix_ms(0), now.steady);
}

} // namespace
} // namespace kore_gateway
