// Per-upstream circuit breaker (CONTRACT.md section 15): a sans-io state machine that decides
// whether a request may be sent upstream; the caller decides what counts as a failure.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

#include "kore_gateway/util/clock.hpp"

namespace kore_gateway {

// Closed: requests go; failures_to_open consecutive failures open the circuit for open_for.
// Open: requests are refused until open_for has passed; then the first admit() is the one probe
// and every other request is still refused. The probe's success closes the circuit, its failure
// opens it again for open_for.
//
// Every admission carries the period of the breaker that issued it, and record() ignores answers
// from an earlier period: a request admitted before the circuit opened can neither close it nor
// count again towards the next opening, and only the current probe decides a half-open circuit.
//
// A lost probe (its result never recorded: the caller was cancelled, an error path forgot it) is
// given up after open_for: the next admit() after that becomes a new probe, and a late answer of
// the lost one is ignored. So at most one probe goes per open_for, no extra call is needed, and
// a forgotten report cannot keep the circuit open for good. While a probe is out, retry_after
// counts down to the moment it would be given up.
//
// Thread-safe: one instance is shared by every I/O thread.
class circuit_breaker {
public:
    enum class admission_kind { allowed, probe, refused };
    enum class outcome { success, failure };

    struct admission {
        admission_kind kind;
        std::chrono::seconds retry_after; // refused: >= 1 s until the next probe may go; else 0
        std::uint64_t period;             // pass the admission back to record() unchanged
    };

    // failures_to_open 0 turns the breaker off: it admits everything and never opens.
    circuit_breaker(unsigned failures_to_open, clock::duration open_for, const clock& c);

    admission admit();
    // The result of a request admit() let through; results of refused admissions are ignored.
    void record(const admission& answered, outcome result);
    // Open, or half-open with a probe out: for the kore_gateway_circuit_open gauge.
    bool is_open() const;

private:
    enum class state { closed, open, half_open };

    const unsigned failures_to_open_;
    const clock::duration open_for_;
    const clock& clock_;

    mutable std::mutex mutex_;
    state state_ = state::closed;
    std::uint64_t period_ = 0;   // bumped on every change of state and on every new probe
    unsigned failures_ = 0;      // consecutive failures while closed
    clock::time_point deadline_; // open: when the probe may go; half_open: when it counts as lost
};

} // namespace kore_gateway
