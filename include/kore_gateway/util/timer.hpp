// A deadline timer on the injectable clock (util/clock.hpp), so that tests fire timers by
// advancing a manual_clock instead of waiting in real time.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <type_traits>
#include <utility>

#include "kore_gateway/net.hpp"
#include "kore_gateway/util/clock.hpp"

namespace kore_gateway {

// On the real clock this is Asio's steady timer and nothing more: the hot path pays one branch.
// On any other clock a wait polls the clock every poll_interval of real time until it reaches the
// expiry, as Boost.MySQL's tests do with their mock clock (a timer cannot be told that a clock it
// does not own has moved). Thread-safety as Asio's timers: one operation at a time. One wait at a
// time, too: on a polled clock a new wait cancels the pending one.
template <class Executor> class clock_timer {
public:
    using executor_type = Executor;
    static constexpr std::chrono::milliseconds poll_interval{2};

    clock_timer(const Executor& ex, const clock& clk)
        : clock_(clk), real_(clk.is_real_time()), timer_(ex) {}
    clock_timer(const Executor& ex, const clock& clk, clock::time_point expiry)
        : clock_(clk), real_(clk.is_real_time()), timer_(ex, expiry), expiry_(expiry) {}
    // A pending wait completes with operation_aborted, as with Asio's timers.
    ~clock_timer() { cancel_poll(); }
    clock_timer(const clock_timer&) = delete;
    clock_timer& operator=(const clock_timer&) = delete;

    // Cancels a pending wait, like Asio's.
    void expires_at(clock::time_point expiry) {
        expiry_ = expiry;
        if (real_) {
            timer_.expires_at(expiry);
        } else {
            cancel_poll();
        }
    }
    void expires_after(clock::duration d) { expires_at(clock_.now() + d); }
    clock::time_point expiry() const { return expiry_; }

    void cancel() {
        if (real_) {
            timer_.cancel();
        } else {
            cancel_poll();
        }
    }

    // handler(error_code): success at the expiry, operation_aborted when cancelled first.
    template <class Handler> void async_wait(Handler&& handler) {
        if (real_) {
            timer_.async_wait(std::forward<Handler>(handler));
            return;
        }
        cancel_poll();
        poll_ = std::make_shared<poll_state>(timer_.get_executor());
        std::lock_guard lock(poll_->mutex);
        poll_->arm(
            poller<std::decay_t<Handler>>{poll_, &clock_, expiry_, std::forward<Handler>(handler)});
    }

private:
    using real_timer =
        net::basic_waitable_timer<std::chrono::steady_clock,
                                  net::wait_traits<std::chrono::steady_clock>, Executor>;

    // One polled wait. Shared with its pending poll, which may still run after the timer is gone;
    // the mutex lets cancel() come from another thread while the poll re-arms itself.
    struct poll_state {
        explicit poll_state(const Executor& ex) : timer(ex) {}
        template <class Poller> void arm(Poller&& p) {
            timer.expires_after(poll_interval);
            timer.async_wait(std::forward<Poller>(p));
        }
        std::mutex mutex;
        real_timer timer;
        bool cancelled = false;
    };

    template <class Handler> struct poller {
        void operator()(error_code ec) {
            {
                std::unique_lock lock(state->mutex);
                if (!ec && state->cancelled) {
                    ec = net::error::operation_aborted;
                }
                if (!ec && clk->now() < expiry) {
                    auto s = state;
                    s->arm(std::move(*this));
                    return;
                }
            }
            handler(ec);
        }
        std::shared_ptr<poll_state> state;
        const clock* clk;
        clock::time_point expiry;
        Handler handler;
    };

    void cancel_poll() {
        if (auto p = std::exchange(poll_, nullptr)) {
            std::lock_guard lock(p->mutex);
            p->cancelled = true;
            p->timer.cancel();
        }
    }

    const clock& clock_;
    const bool real_;
    real_timer timer_; // the real clock's wait; on another clock only its executor is used
    clock::time_point expiry_{};
    std::shared_ptr<poll_state> poll_; // the pending polled wait, if any
};

// For waits on what another process does (a Redis lock's holder, a connection coming up): calls
// look on ex after every interval of clk's time until a call does not call again(). look gets
// operation_aborted, and must then finish, when the wait is cancelled.
template <class Executor>
void repeat_every(const Executor& ex, const clock& clk, clock::duration interval,
                  std::function<void(error_code, std::function<void()> again)> look) {
    struct repeat {
        repeat(const Executor& e, const clock& c, clock::duration i,
               std::function<void(error_code, std::function<void()>)> l)
            : timer(e, c), interval(i), look(std::move(l)) {}
        clock_timer<Executor> timer;
        clock::duration interval;
        std::function<void(error_code, std::function<void()>)> look;

        static void wait(const std::shared_ptr<repeat>& r) {
            r->timer.expires_after(r->interval);
            r->timer.async_wait([r](error_code ec) { r->look(ec, [r] { wait(r); }); });
        }
    };
    repeat::wait(std::make_shared<repeat>(ex, clk, interval, std::move(look)));
}

} // namespace kore_gateway
