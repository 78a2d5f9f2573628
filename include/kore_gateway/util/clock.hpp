// An injectable clock: the token provider, cache and rate limiter read time through it so that
// unit tests move time by hand instead of sleeping.
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
};

// The real, monotonic clock.
class steady_clock final : public clock {
public:
    time_point now() const override { return std::chrono::steady_clock::now(); }
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
