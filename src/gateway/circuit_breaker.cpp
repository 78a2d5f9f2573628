#include "kore_gateway/gateway/circuit_breaker.hpp"

#include <algorithm>

namespace kore_gateway {
namespace {

// Retry-After: whole seconds rounded up, and never 0, which would invite an immediate retry.
std::chrono::seconds whole_seconds_until(clock::time_point when, clock::time_point now) {
    return std::max(std::chrono::ceil<std::chrono::seconds>(when - now), std::chrono::seconds(1));
}

} // namespace

circuit_breaker::circuit_breaker(unsigned failures_to_open, clock::duration open_for,
                                 const clock& c)
    : failures_to_open_(failures_to_open), open_for_(open_for), clock_(c) {}

circuit_breaker::admission circuit_breaker::admit() {
    if (failures_to_open_ == 0) {
        return {admission_kind::allowed, std::chrono::seconds(0), 0};
    }
    const auto now = clock_.now();
    std::lock_guard lock(mutex_);
    if (state_ == state::closed) {
        return {admission_kind::allowed, std::chrono::seconds(0), period_};
    }
    // An open circuit whose time is up, or a probe out for so long that it counts as lost.
    if (now >= deadline_) {
        state_ = state::half_open;
        deadline_ = now + open_for_;
        ++period_;
        return {admission_kind::probe, std::chrono::seconds(0), period_};
    }
    return {admission_kind::refused, whole_seconds_until(deadline_, now), period_};
}

void circuit_breaker::record(const admission& answered, outcome result) {
    if (failures_to_open_ == 0 || answered.kind == admission_kind::refused) {
        return;
    }
    const auto now = clock_.now();
    std::lock_guard lock(mutex_);
    if (answered.period != period_) {
        return; // admitted in an earlier period: it says nothing about the current one
    }
    // The same period means the state is still the one that admitted the request: closed for an
    // allowed request, half-open for the current probe.
    if (result == outcome::success) {
        if (state_ == state::half_open) {
            state_ = state::closed;
            ++period_;
        }
        failures_ = 0;
    } else if (state_ == state::half_open || ++failures_ >= failures_to_open_) {
        state_ = state::open;
        deadline_ = now + open_for_;
        failures_ = 0;
        ++period_;
    }
}

bool circuit_breaker::is_open() const {
    std::lock_guard lock(mutex_);
    return state_ != state::closed;
}

} // namespace kore_gateway
