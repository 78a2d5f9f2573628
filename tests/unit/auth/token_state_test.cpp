#include "kore_gateway/auth/token_state.hpp"

#include <gtest/gtest.h>

namespace kore_gateway {
namespace {

using namespace std::chrono_literals;

// Drives a token_state to hold a token with the given lifetime, obtained now.
std::shared_ptr<const token_snapshot> obtain(token_state& state, const manual_clock& clock,
                                             const std::string& access_token,
                                             clock::duration lifetime = 100s) {
    EXPECT_EQ(state.on_request(clock.now()).action, token_action::start_fetch);
    return state.on_success(access_token, lifetime);
}

TEST(token_state, refresh_at_is_at_most_ninety_percent_of_the_lifetime_from_the_request) {
    manual_clock clock;
    token_state state;
    const auto asked = clock.now();
    ASSERT_EQ(state.on_request(asked).action, token_action::start_fetch);
    clock.advance(2s); // the answer takes a while; the server's lifetime started before it
    const auto token = state.on_success("t", 100s);
    EXPECT_EQ(token->access_token, "t");
    EXPECT_EQ(token->obtained_at, asked);
    EXPECT_EQ(token->expires_at, asked + 100s);
    EXPECT_LE(token->refresh_at, asked + 90s);
    EXPECT_GT(token->refresh_at, asked + 50s);
}

TEST(token_state, hands_out_the_token_until_refresh_at_and_never_after) {
    manual_clock clock;
    token_state state;
    const auto token = obtain(state, clock, "t");
    auto d = state.on_request(clock.now());
    EXPECT_EQ(d.action, token_action::use_token);
    EXPECT_EQ(d.token, token);

    clock.advance(token->refresh_at - clock.now() - 1ns);
    EXPECT_TRUE(is_usable(*token, clock.now()));
    EXPECT_EQ(state.on_request(clock.now()).action, token_action::use_token);

    clock.advance(1ns);
    EXPECT_FALSE(is_usable(*token, clock.now()));
    d = state.on_request(clock.now());
    EXPECT_EQ(d.action, token_action::start_fetch);
    EXPECT_EQ(d.token, nullptr);
}

TEST(token_state, one_fetch_at_a_time_and_everyone_else_waits) {
    manual_clock clock;
    token_state state;
    EXPECT_EQ(state.on_request(clock.now()).action, token_action::start_fetch);
    EXPECT_TRUE(state.fetching());
    for (int i = 0; i < 50; ++i) {
        EXPECT_EQ(state.on_request(clock.now()).action, token_action::wait);
    }
    EXPECT_FALSE(state.on_background_check(clock.now()));
    const auto token = state.on_success("t", 100s);
    EXPECT_FALSE(state.fetching());
    const auto d = state.on_request(clock.now());
    EXPECT_EQ(d.action, token_action::use_token);
    EXPECT_EQ(d.token, token);
}

TEST(token_state, renews_in_the_background_before_refresh_at_while_callers_keep_the_token) {
    manual_clock clock;
    token_state state;
    EXPECT_FALSE(state.next_wakeup());
    EXPECT_TRUE(state.on_background_check(clock.now())); // start-up: no token yet
    EXPECT_FALSE(state.next_wakeup());                   // nothing to wake for while fetching
    const auto token = state.on_success("t", 100s);

    ASSERT_TRUE(state.next_wakeup());
    const auto renew_at = *state.next_wakeup();
    EXPECT_LT(renew_at, token->refresh_at);
    EXPECT_GE(renew_at, token->obtained_at + 50s);

    clock.advance(renew_at - clock.now() - 1ns);
    EXPECT_FALSE(state.on_background_check(clock.now()));
    clock.advance(1ns);
    EXPECT_TRUE(state.on_background_check(clock.now()));
    EXPECT_TRUE(state.fetching());
    // The renewal is in flight but the old token is still fresh: callers do not wait.
    const auto d = state.on_request(clock.now());
    EXPECT_EQ(d.action, token_action::use_token);
    EXPECT_EQ(d.token, token);

    const auto renewed = state.on_success("t2", 100s);
    EXPECT_NE(renewed, token);
    EXPECT_EQ(state.on_request(clock.now()).token, renewed);
}

TEST(token_state, fails_fast_with_the_last_error_until_the_backoff_has_passed) {
    manual_clock clock;
    token_state state;
    ASSERT_EQ(state.on_request(clock.now()).action, token_action::start_fetch);
    const auto delay = state.on_failure(token_errc::rejected, clock.now(), 0.0);
    EXPECT_EQ(delay, 500ms);
    EXPECT_EQ(state.last_error(), token_errc::rejected);
    EXPECT_FALSE(state.fetching());
    ASSERT_TRUE(state.next_wakeup());
    EXPECT_EQ(*state.next_wakeup(), clock.now() + 500ms);

    for (int i = 0; i < 10; ++i) {
        const auto d = state.on_request(clock.now());
        EXPECT_EQ(d.action, token_action::fail_fast);
        EXPECT_EQ(d.error, token_errc::rejected);
    }
    EXPECT_FALSE(state.on_background_check(clock.now()));
    clock.advance(500ms - 1ns);
    EXPECT_EQ(state.on_request(clock.now()).action, token_action::fail_fast);
    clock.advance(1ns);
    EXPECT_EQ(state.on_request(clock.now()).action, token_action::start_fetch);
}

TEST(token_state, consecutive_failures_back_off_longer_and_a_success_resets) {
    manual_clock clock;
    token_state state;
    const clock::duration expected_delays[] = {500ms, 1s, 2s, 4s};
    for (const auto want : expected_delays) {
        ASSERT_TRUE(state.on_background_check(clock.now()));
        const auto delay = state.on_failure(token_errc::unavailable, clock.now(), 0.0);
        EXPECT_EQ(delay, want);
        EXPECT_EQ(*state.next_wakeup(), clock.now() + want);
        clock.advance(delay);
    }
    ASSERT_TRUE(state.on_background_check(clock.now()));
    state.on_success("t", 100s);
    EXPECT_EQ(state.last_error(), token_errc::ok);
    clock.advance(95s);
    ASSERT_EQ(state.on_request(clock.now()).action, token_action::start_fetch);
    EXPECT_EQ(state.on_failure(token_errc::invalid_response, clock.now(), 0.0), 500ms);
}

TEST(token_state, a_failed_background_renewal_keeps_the_fresh_token_in_use) {
    manual_clock clock;
    token_state state;
    const auto token = obtain(state, clock, "t");
    clock.advance(*state.next_wakeup() - clock.now());
    ASSERT_TRUE(state.on_background_check(clock.now()));
    state.on_failure(token_errc::unavailable, clock.now(), 0.0);
    EXPECT_EQ(state.on_request(clock.now()).token, token);
    EXPECT_EQ(*state.next_wakeup(), clock.now() + 500ms);
    clock.advance(500ms);
    EXPECT_TRUE(state.on_background_check(clock.now()));
}

TEST(token_state, invalidate_drops_only_the_current_token_and_renews_once) {
    manual_clock clock;
    token_state state;
    const auto first = obtain(state, clock, "t1");

    const auto lookalike = std::make_shared<const token_snapshot>(*first);
    EXPECT_FALSE(state.on_invalidate(lookalike, clock.now()));
    EXPECT_FALSE(state.on_invalidate(nullptr, clock.now()));
    EXPECT_EQ(state.on_request(clock.now()).token, first);

    EXPECT_TRUE(state.on_invalidate(first, clock.now()));
    EXPECT_TRUE(state.fetching());
    EXPECT_EQ(state.token(), nullptr);
    for (int i = 0; i < 49; ++i) {
        EXPECT_FALSE(state.on_invalidate(first, clock.now()));
    }
    EXPECT_EQ(state.on_request(clock.now()).action, token_action::wait);

    const auto second = state.on_success("t2", 100s);
    EXPECT_FALSE(state.on_invalidate(first, clock.now()));
    EXPECT_EQ(state.on_request(clock.now()).token, second);
}

TEST(token_state, invalidate_is_not_a_failure) {
    manual_clock clock;
    token_state state;
    obtain(state, clock, "t1");
    for (int i = 0; i < 5; ++i) {
        const auto current = state.token();
        ASSERT_TRUE(state.on_invalidate(current, clock.now())) << i;
        state.on_success("t", 100s);
        EXPECT_EQ(state.last_error(), token_errc::ok);
    }
    const auto current = state.token();
    ASSERT_TRUE(state.on_invalidate(current, clock.now()));
    EXPECT_EQ(state.on_failure(token_errc::rejected, clock.now(), 0.0), 500ms);
}

TEST(token_state, invalidate_during_backoff_waits_for_the_retry) {
    manual_clock clock;
    token_state state;
    const auto token = obtain(state, clock, "t");
    clock.advance(*state.next_wakeup() - clock.now());
    ASSERT_TRUE(state.on_background_check(clock.now()));
    state.on_failure(token_errc::unavailable, clock.now(), 0.0);

    EXPECT_FALSE(state.on_invalidate(token, clock.now()));
    EXPECT_EQ(state.token(), nullptr);
    const auto d = state.on_request(clock.now());
    EXPECT_EQ(d.action, token_action::fail_fast);
    EXPECT_EQ(d.error, token_errc::unavailable);
    clock.advance(500ms);
    EXPECT_TRUE(state.on_background_check(clock.now()));
}

} // namespace
// Another replica's token (section 13) is adopted with its own times: callers get it at once,
// and the renewal falls at 80 % of its lifetime as counted by the replica that obtained it.
TEST(token_state, a_shared_token_is_used_and_renewed_on_its_own_schedule) {
    manual_clock clock;
    token_state state;
    EXPECT_TRUE(state.on_background_check(clock.now()));
    const auto obtained_elsewhere = clock.now() - 30s; // 30 s ago, for 100 s
    const auto shared = std::make_shared<const token_snapshot>(token_snapshot{
        "shared", obtained_elsewhere, obtained_elsewhere + 100s, obtained_elsewhere + 90s});
    EXPECT_EQ(state.on_shared(shared), shared);
    EXPECT_FALSE(state.fetching());
    const auto d = state.on_request(clock.now());
    EXPECT_EQ(d.action, token_action::use_token);
    EXPECT_EQ(d.token, shared);
    ASSERT_TRUE(state.next_wakeup());
    EXPECT_EQ(*state.next_wakeup(), obtained_elsewhere + 80s);
    clock.advance(50s - 1ns);
    EXPECT_FALSE(state.on_background_check(clock.now()));
    clock.advance(1ns);
    EXPECT_TRUE(state.on_background_check(clock.now()));
}

} // namespace kore_gateway
