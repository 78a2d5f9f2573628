#include "kore_gateway/util/timer.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/eventually.hpp"

namespace kore_gateway {
namespace {

using namespace std::chrono_literals;
using timer = clock_timer<net::io_context::executor_type>;
using testing::test_bound;

class clock_timer_test : public ::testing::Test {
protected:
    // Starts a wait whose outcome lands in result_.
    void wait_on(timer& t) {
        t.async_wait([this](error_code ec) { result_ = ec; });
    }

    // Runs handlers until the wait has completed or test_bound has passed.
    bool run_until_done() {
        ioc_.restart(); // an earlier wait may have left it out of work, hence stopped
        const auto give_up = std::chrono::steady_clock::now() + test_bound;
        while (!result_ && std::chrono::steady_clock::now() < give_up) {
            ioc_.run_one_until(give_up);
        }
        return result_.has_value();
    }

    net::io_context ioc_;
    manual_clock clock_;
    std::optional<error_code> result_;
};

TEST_F(clock_timer_test, on_the_real_clock_fires_at_the_expiry) {
    timer t(ioc_.get_executor(), steady_clock::instance());
    const auto expiry = steady_clock::instance().now() + 20ms;
    t.expires_at(expiry);
    wait_on(t);
    ASSERT_TRUE(run_until_done());
    EXPECT_EQ(*result_, error_code{});
    EXPECT_GE(steady_clock::instance().now(), expiry);
}

TEST_F(clock_timer_test, on_a_manual_clock_fires_once_the_clock_reaches_the_expiry) {
    timer t(ioc_.get_executor(), clock_);
    t.expires_after(10min);
    wait_on(t);
    // Many polls in real time change nothing while the clock stands still (a timer that fired
    // early would be seen here on all but a very slow machine).
    ioc_.run_for(50ms);
    EXPECT_FALSE(result_.has_value());
    clock_.advance(10min - 1ms);
    ioc_.run_for(20ms);
    EXPECT_FALSE(result_.has_value());

    clock_.advance(1ms);
    ASSERT_TRUE(run_until_done());
    EXPECT_EQ(*result_, error_code{});
}

// What a timer does alike on the real clock and on a manual one.
class clock_timer_test_on_either_clock : public clock_timer_test,
                                         public ::testing::WithParamInterface<bool> {
protected:
    const clock& clk() const {
        return GetParam() ? static_cast<const clock&>(steady_clock::instance()) : clock_;
    }
};

TEST_P(clock_timer_test_on_either_clock, an_expiry_already_past_fires_at_once) {
    timer t(ioc_.get_executor(), clk(), clk().now() - 1s);
    wait_on(t);
    ASSERT_TRUE(run_until_done());
    EXPECT_EQ(*result_, error_code{});
}

TEST_P(clock_timer_test_on_either_clock, cancel_ends_the_wait_with_operation_aborted) {
    timer t(ioc_.get_executor(), clk());
    t.expires_after(1h);
    wait_on(t);
    t.cancel();
    ASSERT_TRUE(run_until_done());
    EXPECT_EQ(*result_, net::error::operation_aborted);
}

TEST_P(clock_timer_test_on_either_clock, a_new_expiry_ends_the_pending_wait) {
    timer t(ioc_.get_executor(), clk());
    t.expires_after(1h);
    wait_on(t);
    const auto before = clk().now();
    t.expires_after(2h);
    EXPECT_GE(t.expiry(), before + 2h);
    EXPECT_LE(t.expiry(), clk().now() + 2h);
    ASSERT_TRUE(run_until_done());
    EXPECT_EQ(*result_, net::error::operation_aborted);
}

INSTANTIATE_TEST_SUITE_P(clocks, clock_timer_test_on_either_clock, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& param_info) {
                             return std::string(param_info.param ? "real" : "manual");
                         });

TEST_F(clock_timer_test, destroying_the_timer_ends_the_wait_with_operation_aborted) {
    {
        timer t(ioc_.get_executor(), clock_);
        t.expires_after(1h);
        wait_on(t);
    }
    ASSERT_TRUE(run_until_done());
    EXPECT_EQ(*result_, net::error::operation_aborted);
}

// repeat_every looks once per interval of the clock's time, and stops when a look does not ask
// for another.
TEST_F(clock_timer_test, repeat_every_looks_each_interval_until_a_look_stops) {
    std::vector<clock::time_point> looks;
    repeat_every(ioc_.get_executor(), clock_, 10s,
                 [this, &looks](error_code ec, std::function<void()> again) {
                     ASSERT_FALSE(ec);
                     looks.push_back(clock_.now());
                     if (looks.size() < 3) {
                         again();
                     } else {
                         result_ = ec;
                     }
                 });
    const auto start = clock_.now();
    ioc_.run_for(20ms);
    EXPECT_TRUE(looks.empty()) << "looked before the first interval";
    for (int step = 1; step <= 3; ++step) {
        clock_.advance(10s);
        const auto give_up = std::chrono::steady_clock::now() + test_bound;
        while (looks.size() < static_cast<std::size_t>(step) &&
               std::chrono::steady_clock::now() < give_up) {
            ioc_.run_one_until(give_up);
        }
        ASSERT_EQ(looks.size(), static_cast<std::size_t>(step));
        EXPECT_EQ(looks.back(), start + step * 10s);
    }
    clock_.advance(10s);
    ioc_.run_for(20ms);
    EXPECT_EQ(looks.size(), 3u) << "looked again after a look stopped";
}

} // namespace
} // namespace kore_gateway
