// An injectable clock: the token provider, cache, rate limiter and upstream deadlines read time
// through it (their timers through clock_timer, util/timer.hpp) so that tests move time by hand
// instead of sleeping.
#pragma once

#include <atomic>
#include <chrono>

namespace kore_gateway {

class clock {
public:
    using duration = std::chrono::steady_clock::duration;
    using time_point = std::chrono::steady_clock::time_point;

    virtual ~clock() = default;
    virtual time_point now() const = 0;
    // True for the real clock, whose time points Asio's timers wait for directly. Any other clock
    // moves only when told to, so clock_timer polls it.
    virtual bool is_real_time() const { return false; }
};

// The real, monotonic clock.
class steady_clock final : public clock {
public:
    time_point now() const override { return std::chrono::steady_clock::now(); }
    bool is_real_time() const override { return true; }
    static steady_clock& instance();
};

// A clock that only moves when told to; safe to read from several threads.
class manual_clock final : public clock {
public:
    explicit manual_clock(time_point start = time_point{} + std::chrono::hours(1)) : now_(start) {}
    time_point now() const override { return now_.load(); }
    void advance(duration d) { now_.store(now_.load() + d); }

private:
    std::atomic<time_point> now_;
};

} // namespace kore_gateway
