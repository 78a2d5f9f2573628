#include "kore_gateway/util/deadline_watch.hpp"

#include <chrono>
#include <memory>

#include <gtest/gtest.h>

#include "support/eventually.hpp"

namespace kore_gateway {
namespace {

using namespace std::chrono_literals;
using testing::test_bound;

// A watch held by a shared object, as a connection holds its own, on a manual clock; the
// io_context runs on the test's thread, a slice of real time at a time.
class deadline_watch_test : public ::testing::Test {
protected:
    struct owner {
        owner(net::io_context& ioc, const clock& clk)
            : watch(ioc.get_executor(), clk, [this] { ++expiries; }) {}
        deadline_watch watch;
        int expiries = 0;
    };

    // Handlers that are due run; a wrongly due expiry has its polls' time to show.
    void settle() { ioc_.run_for(30ms); }

    bool expires_within_test_bound() {
        const auto give_up = std::chrono::steady_clock::now() + test_bound;
        while (owner_->expiries == 0 && std::chrono::steady_clock::now() < give_up) {
            ioc_.run_for(10ms);
        }
        return owner_->expiries == 1;
    }

    // Moves the clock to 1 ms before `left` has passed and checks nothing expired, then to
    // `left`, and checks the one expiry came.
    void expect_expiry_after(clock::duration left) {
        clock_.advance(left - 1ms);
        settle();
        EXPECT_EQ(owner_->expiries, 0) << "expired early";
        clock_.advance(1ms);
        EXPECT_TRUE(expires_within_test_bound());
    }

    net::io_context ioc_;
    manual_clock clock_;
    std::shared_ptr<owner> owner_ = std::make_shared<owner>(ioc_, clock_);
};

TEST_F(deadline_watch_test, expires_once_the_clock_reaches_the_deadline) {
    owner_->watch.watch(clock_.now() + 10s, owner_);
    expect_expiry_after(10s);
}

// The timeout counts from the watch's clock, the one it waits on, not from another one.
TEST_F(deadline_watch_test, watch_for_counts_the_timeout_from_the_watchs_clock) {
    clock_.advance(1h);
    owner_->watch.watch_for(10s, owner_);
    expect_expiry_after(10s);
}

TEST_F(deadline_watch_test, an_unwatched_deadline_never_expires) {
    owner_->watch.watch(clock_.now() + 10s, owner_);
    owner_->watch.unwatch();
    clock_.advance(1h);
    settle();
    EXPECT_EQ(owner_->expiries, 0);
}

// The pending wait was armed for the first request; the second request's later deadline is
// honoured by waiting again, not by expiring at the first one.
TEST_F(deadline_watch_test, a_later_deadline_waits_past_the_earlier_wait) {
    owner_->watch.watch(clock_.now() + 10s, owner_);
    owner_->watch.unwatch();
    clock_.advance(5s);
    owner_->watch.watch(clock_.now() + 10s, owner_); // at 15 s
    clock_.advance(5s);
    settle();
    EXPECT_EQ(owner_->expiries, 0) << "expired at the first request's deadline";
    expect_expiry_after(5s);
}

TEST_F(deadline_watch_test, an_earlier_deadline_moves_the_wait_earlier) {
    owner_->watch.watch(clock_.now() + 10s, owner_);
    owner_->watch.watch(clock_.now() + 2s, owner_);
    expect_expiry_after(2s);
}

} // namespace
} // namespace kore_gateway
