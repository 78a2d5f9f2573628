#include "kore_gateway/gateway/circuit_breaker.hpp"

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace kore_gateway {
namespace {

using namespace std::chrono_literals;
using admission_kind = circuit_breaker::admission_kind;
using breaker_outcome = circuit_breaker::outcome;

// Admits one request and records its result, as the forwarder does for one exchange.
circuit_breaker::admission call(circuit_breaker& breaker, breaker_outcome result) {
    const auto a = breaker.admit();
    breaker.record(a, result);
    return a;
}

// A breaker that opens after 3 failures for 5 s, already opened at the clock's current time.
struct opened_breaker : ::testing::Test {
    manual_clock clock;
    circuit_breaker breaker{3, 5s, clock};

    void SetUp() override {
        for (int i = 0; i < 3; ++i) {
            ASSERT_EQ(call(breaker, breaker_outcome::failure).kind, admission_kind::allowed);
        }
        ASSERT_TRUE(breaker.is_open());
    }
};

TEST(circuit_breaker, opens_after_the_configured_consecutive_failures) {
    manual_clock clock;
    circuit_breaker breaker(3, 5s, clock);
    call(breaker, breaker_outcome::failure);
    call(breaker, breaker_outcome::failure);
    EXPECT_FALSE(breaker.is_open());
    EXPECT_EQ(breaker.admit().kind, admission_kind::allowed);
    call(breaker, breaker_outcome::failure);
    EXPECT_TRUE(breaker.is_open());
    const auto refused = breaker.admit();
    EXPECT_EQ(refused.kind, admission_kind::refused);
    EXPECT_EQ(refused.retry_after, 5s);
}

TEST(circuit_breaker, a_success_resets_the_failure_count) {
    manual_clock clock;
    circuit_breaker breaker(3, 5s, clock);
    for (int round = 0; round < 5; ++round) {
        call(breaker, breaker_outcome::failure);
        call(breaker, breaker_outcome::failure);
        call(breaker, breaker_outcome::success);
    }
    EXPECT_FALSE(breaker.is_open());
    EXPECT_EQ(breaker.admit().kind, admission_kind::allowed);
}

TEST(circuit_breaker, zero_failures_to_open_turns_it_off) {
    manual_clock clock;
    circuit_breaker breaker(0, 5s, clock);
    for (int i = 0; i < 100; ++i) {
        const auto a = call(breaker, breaker_outcome::failure);
        EXPECT_EQ(a.kind, admission_kind::allowed);
        EXPECT_EQ(a.retry_after, 0s);
    }
    EXPECT_FALSE(breaker.is_open());
}

TEST(circuit_breaker, one_failure_opens_when_the_threshold_is_one) {
    manual_clock clock;
    circuit_breaker breaker(1, 5s, clock);
    call(breaker, breaker_outcome::failure);
    EXPECT_TRUE(breaker.is_open());
    EXPECT_EQ(breaker.admit().kind, admission_kind::refused);
}

TEST_F(opened_breaker, refuses_until_open_for_has_passed) {
    clock.advance(4999ms);
    EXPECT_EQ(breaker.admit().kind, admission_kind::refused);
    clock.advance(1ms);
    EXPECT_EQ(breaker.admit().kind, admission_kind::probe);
}

TEST(circuit_breaker, retry_after_is_whole_seconds_until_the_probe_rounded_up_and_at_least_one) {
    manual_clock clock;
    circuit_breaker breaker(1, 2500ms, clock);
    call(breaker, breaker_outcome::failure);
    struct step {
        std::chrono::milliseconds advance;
        std::chrono::seconds retry_after;
    };
    for (const auto& [advance, retry_after] : {step{0ms, 3s}, step{1ms, 3s}, step{499ms, 2s},
                                               step{1ms, 2s}, step{1000ms, 1s}, step{998ms, 1s}}) {
        clock.advance(advance);
        const auto a = breaker.admit();
        ASSERT_EQ(a.kind, admission_kind::refused);
        EXPECT_EQ(a.retry_after, retry_after) << "after another " << advance.count() << " ms";
    }
}

TEST_F(opened_breaker, only_the_first_admission_after_open_for_is_the_probe) {
    clock.advance(5s);
    const auto probe = breaker.admit();
    EXPECT_EQ(probe.kind, admission_kind::probe);
    EXPECT_EQ(probe.retry_after, 0s);
    EXPECT_TRUE(breaker.is_open());
    clock.advance(1500ms);
    for (int i = 0; i < 10; ++i) {
        const auto other = breaker.admit();
        EXPECT_EQ(other.kind, admission_kind::refused);
        // The next probe may go when this one counts as lost: 3.5 s away, rounded up.
        EXPECT_EQ(other.retry_after, 4s);
    }
}

TEST_F(opened_breaker, a_successful_probe_closes_the_circuit_with_a_fresh_count) {
    clock.advance(5s);
    breaker.record(breaker.admit(), breaker_outcome::success);
    EXPECT_FALSE(breaker.is_open());
    EXPECT_EQ(breaker.admit().kind, admission_kind::allowed);
    call(breaker, breaker_outcome::failure);
    call(breaker, breaker_outcome::failure);
    EXPECT_FALSE(breaker.is_open());
    call(breaker, breaker_outcome::failure);
    EXPECT_TRUE(breaker.is_open());
}

TEST_F(opened_breaker, a_failed_probe_opens_the_circuit_again_for_open_for) {
    clock.advance(6s);
    const auto probe = breaker.admit();
    ASSERT_EQ(probe.kind, admission_kind::probe);
    clock.advance(2s); // the probe took 2 s to fail: open_for counts from its failure
    breaker.record(probe, breaker_outcome::failure);
    EXPECT_TRUE(breaker.is_open());
    const auto refused = breaker.admit();
    EXPECT_EQ(refused.kind, admission_kind::refused);
    EXPECT_EQ(refused.retry_after, 5s);
    clock.advance(4999ms);
    EXPECT_EQ(breaker.admit().kind, admission_kind::refused);
    clock.advance(1ms);
    EXPECT_EQ(breaker.admit().kind, admission_kind::probe);
}

TEST(circuit_breaker, late_successes_of_requests_admitted_before_it_opened_do_not_close_it) {
    manual_clock clock;
    circuit_breaker breaker(2, 5s, clock);
    const auto slow_a = breaker.admit();
    const auto slow_b = breaker.admit();
    call(breaker, breaker_outcome::failure);
    call(breaker, breaker_outcome::failure);
    ASSERT_TRUE(breaker.is_open());
    breaker.record(slow_a, breaker_outcome::success);
    EXPECT_TRUE(breaker.is_open());
    EXPECT_EQ(breaker.admit().kind, admission_kind::refused);

    // Nor can they stand in for the probe once it is out.
    clock.advance(5s);
    const auto probe = breaker.admit();
    ASSERT_EQ(probe.kind, admission_kind::probe);
    breaker.record(slow_b, breaker_outcome::success);
    EXPECT_TRUE(breaker.is_open());
    EXPECT_EQ(breaker.admit().kind, admission_kind::refused);
}

TEST(circuit_breaker, late_failures_of_requests_admitted_before_it_opened_count_nowhere) {
    manual_clock clock;
    circuit_breaker breaker(2, 5s, clock);
    std::vector<circuit_breaker::admission> in_flight;
    for (int i = 0; i < 4; ++i) {
        in_flight.push_back(breaker.admit());
    }
    breaker.record(in_flight[0], breaker_outcome::failure);
    breaker.record(in_flight[1], breaker_outcome::failure);
    ASSERT_TRUE(breaker.is_open());

    // A late failure while open does not push the probe further away.
    clock.advance(4s);
    breaker.record(in_flight[2], breaker_outcome::failure);
    EXPECT_EQ(breaker.admit().retry_after, 1s);

    // Nor does one after the probe closed the circuit count towards the next opening.
    clock.advance(1s);
    breaker.record(breaker.admit(), breaker_outcome::success);
    ASSERT_FALSE(breaker.is_open());
    breaker.record(in_flight[3], breaker_outcome::failure);
    call(breaker, breaker_outcome::failure);
    EXPECT_FALSE(breaker.is_open());
    call(breaker, breaker_outcome::failure);
    EXPECT_TRUE(breaker.is_open());
}

TEST(circuit_breaker, a_success_admitted_before_the_last_failures_does_not_reset_the_next_count) {
    manual_clock clock;
    circuit_breaker breaker(2, 5s, clock);
    const auto early = breaker.admit();
    call(breaker, breaker_outcome::failure);
    call(breaker, breaker_outcome::failure);
    clock.advance(5s);
    breaker.record(breaker.admit(), breaker_outcome::success);
    call(breaker, breaker_outcome::failure);
    breaker.record(early, breaker_outcome::success); // from before the opening: no news about now
    call(breaker, breaker_outcome::failure);
    EXPECT_TRUE(breaker.is_open());
}

TEST_F(opened_breaker, a_lost_probe_is_replaced_after_open_for_and_its_late_answer_is_ignored) {
    clock.advance(5s);
    const auto lost = breaker.admit();
    ASSERT_EQ(lost.kind, admission_kind::probe);
    clock.advance(4999ms);
    EXPECT_EQ(breaker.admit().kind, admission_kind::refused);
    EXPECT_TRUE(breaker.is_open());
    clock.advance(1ms);
    const auto second = breaker.admit();
    EXPECT_EQ(second.kind, admission_kind::probe);

    breaker.record(lost, breaker_outcome::success);
    EXPECT_TRUE(breaker.is_open());
    breaker.record(second, breaker_outcome::success);
    EXPECT_FALSE(breaker.is_open());
}

TEST_F(opened_breaker, a_probe_answered_after_its_deadline_still_decides_if_none_replaced_it) {
    clock.advance(5s);
    const auto probe = breaker.admit();
    clock.advance(1h);
    breaker.record(probe, breaker_outcome::success);
    EXPECT_FALSE(breaker.is_open());
    EXPECT_EQ(breaker.admit().kind, admission_kind::allowed);
}

TEST_F(opened_breaker, recording_a_refused_admission_changes_nothing) {
    const auto refused = breaker.admit();
    ASSERT_EQ(refused.kind, admission_kind::refused);
    breaker.record(refused, breaker_outcome::success);
    EXPECT_TRUE(breaker.is_open());
    clock.advance(5s);
    EXPECT_EQ(breaker.admit().kind, admission_kind::probe);
}

TEST_F(opened_breaker, threads_racing_for_the_probe_get_exactly_one) {
    clock.advance(5s);
    std::atomic<int> probes{0};
    std::atomic<int> refused{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 1000; ++i) {
                const auto a = breaker.admit();
                (a.kind == admission_kind::probe ? probes : refused) += 1;
                EXPECT_NE(a.kind, admission_kind::allowed);
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(probes.load(), 1);
    EXPECT_EQ(refused.load(), 7999);
}

} // namespace
} // namespace kore_gateway
