// Times shared with other processes: Redis holds wall-clock instants in Unix milliseconds, while
// each gateway decides on its own monotonic clock. One reading of both clocks converts between
// them, keeping every instant's distance from now.
#pragma once

#include <chrono>
#include <cstdint>

#include "kore_gateway/util/clock.hpp"

namespace kore_gateway {

// The largest Unix time in milliseconds accepted from another process: far enough inside the
// nanosecond time points' range that converting it, and subtracting now, cannot overflow.
inline constexpr std::int64_t max_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::system_clock::duration::max())
                                                .count() /
                                            4;

// Both clocks read together, once per operation.
struct clock_reading {
    using wall_time = std::chrono::system_clock::time_point;

    wall_time wall;
    clock::time_point steady;

    static clock_reading now(const clock& steady_source) {
        return {std::chrono::system_clock::now(), steady_source.now()};
    }

    wall_time to_wall(clock::time_point t) const {
        return wall + std::chrono::duration_cast<wall_time::duration>(t - steady);
    }
    clock::time_point to_steady(wall_time t) const {
        return steady + std::chrono::duration_cast<clock::duration>(t - wall);
    }
    std::int64_t to_unix_ms(clock::time_point t) const {
        return std::chrono::duration_cast<std::chrono::milliseconds>(to_wall(t).time_since_epoch())
            .count();
    }
    // unix_ms must be within [0, max_unix_ms].
    clock::time_point from_unix_ms(std::int64_t unix_ms) const {
        return to_steady(wall_time{std::chrono::milliseconds{unix_ms}});
    }
};

} // namespace kore_gateway
