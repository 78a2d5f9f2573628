// A deadline kept over a connection's life by one timer: for the requests a keep-alive
// connection carries one after another, each with its own deadline.
//
// Arming a timer and cancelling it around every request costs a timer-queue insert and removal
// under the scheduler's mutex and a cancelled completion run through the scheduler, ~1,000
// instructions a request (bench/RESULTS.md, fifth pass). Here the timer is (re)armed only when no
// wait ending at or before the new deadline is pending; a wait that ends early finds the deadline
// watched then, if any, and waits again. With one timeout for every request, the timer fires about
// once per timeout period of a busy connection, not once per request.
//
// Not thread-safe: every call, and the expiry action, run on the owner's one-thread io_context.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "kore_gateway/net.hpp"
#include "kore_gateway/util/clock.hpp"
#include "kore_gateway/util/timer.hpp"

namespace kore_gateway {

class deadline_watch {
public:
    using executor_type = net::io_context::executor_type;

    // on_expiry runs on ex when the clock reaches a watched deadline (closing the owner's socket,
    // which ends whatever operation is pending on it with an error). clk must outlive the watch.
    deadline_watch(const executor_type& ex, const clock& clk, std::function<void()> on_expiry);

    // From now until unwatch(), on_expiry runs once the clock reaches deadline. owner is the
    // object holding this watch: a pending wait keeps only a weak reference to it, so the watch
    // keeps nothing open, and the owner's destruction cancels the wait.
    void watch(clock::time_point deadline, std::weak_ptr<const void> owner);
    // watch() with the deadline timeout from now, on the watch's own clock.
    void watch_for(clock::duration timeout, std::weak_ptr<const void> owner) {
        watch(clock_.now() + timeout, std::move(owner));
    }
    // The request is over: a pending wait will find nothing to watch.
    void unwatch() { deadline_.reset(); }

private:
    void wait_for(clock::time_point when);
    void on_wait(error_code ec);

    const clock& clock_;
    clock_timer<executor_type> timer_;
    std::function<void()> on_expiry_;
    std::weak_ptr<const void> owner_;
    bool waiting_ = false; // a wait of timer_ is pending
    std::optional<clock::time_point> deadline_;
};

} // namespace kore_gateway
