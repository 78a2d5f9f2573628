#include "kore_gateway/util/clock_reading.hpp"

#include <gtest/gtest.h>

namespace kore_gateway {
namespace {

using namespace std::chrono_literals;

const clock_reading sample_reading{clock_reading::wall_time{1'700'000'000'123ms},
                                   clock::time_point{} + 5h};

TEST(clock_reading, an_instant_keeps_its_distance_from_now_on_the_other_clock) {
    EXPECT_EQ(sample_reading.to_wall(sample_reading.steady + 30s), sample_reading.wall + 30s);
    EXPECT_EQ(sample_reading.to_wall(sample_reading.steady - 2s), sample_reading.wall - 2s);
    EXPECT_EQ(sample_reading.to_steady(sample_reading.wall + 30s), sample_reading.steady + 30s);
    EXPECT_EQ(sample_reading.to_steady(sample_reading.wall - 2s), sample_reading.steady - 2s);
}

TEST(clock_reading, unix_milliseconds_round_trip_through_the_steady_clock) {
    EXPECT_EQ(sample_reading.to_unix_ms(sample_reading.steady), 1'700'000'000'123);
    EXPECT_EQ(sample_reading.to_unix_ms(sample_reading.steady + 1500ms), 1'700'000'001'623);
    EXPECT_EQ(sample_reading.from_unix_ms(1'700'000'001'623), sample_reading.steady + 1500ms);
}

TEST(clock_reading, another_process_with_another_steady_origin_sees_the_same_remaining_time) {
    const auto written = sample_reading.to_unix_ms(sample_reading.steady + 60s);
    const clock_reading later_elsewhere{sample_reading.wall + 20s, clock::time_point{} + 100h};
    EXPECT_EQ(later_elsewhere.from_unix_ms(written) - later_elsewhere.steady, 40s);
}

TEST(clock_reading, the_largest_accepted_instant_converts_without_overflow) {
    const auto far = sample_reading.from_unix_ms(max_unix_ms);
    EXPECT_GT(far, sample_reading.steady);
    EXPECT_EQ(sample_reading.to_unix_ms(far), max_unix_ms);
    EXPECT_LT(sample_reading.from_unix_ms(0), sample_reading.steady);
}

} // namespace
} // namespace kore_gateway
