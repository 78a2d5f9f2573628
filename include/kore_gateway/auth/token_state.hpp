// The token provider's decisions as a sans-io state machine: given the time and what happened,
// it says whether a caller may use the token, must wait, fails fast, or starts the one fetch, and
// when the next background fetch is due. No threads, timers or sockets: the provider drives it.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "kore_gateway/auth/token_source.hpp"
#include "kore_gateway/util/backoff.hpp"
#include "kore_gateway/util/clock.hpp"

namespace kore_gateway {

// A token may be handed out until its refresh_at; after that callers wait for a new one.
bool is_usable(const token_snapshot& token, clock::time_point now);

// What an async_get should do right now.
enum class token_action {
    use_token,   // the current token is usable: hand it out
    start_fetch, // no usable token and nothing in flight: send the one token request and wait
    wait,        // a token request is in flight: wait for its outcome
    fail_fast,   // the last request failed and the backoff delay has not passed: fail now
};

struct token_decision {
    token_action action;
    std::shared_ptr<const token_snapshot> token; // use_token only
    token_errc error = token_errc::ok;           // fail_fast only
};

// Not thread-safe: the provider calls it from its strand only.
class token_state {
public:
    explicit token_state(backoff_policy policy = {}) : policy_(policy) {}

    // A caller wants a token. start_fetch means the caller must now send the token request.
    token_decision on_request(clock::time_point now);

    // The background timer fired (or the provider starts): true means a fetch is due and the
    // caller must now send the token request.
    bool on_background_check(clock::time_point now);

    // The in-flight request produced a token; returns the snapshot to publish. Its lifetime
    // counts from when the request was sent.
    std::shared_ptr<const token_snapshot> on_success(std::string access_token,
                                                     clock::duration lifetime);

    // The fetch under way found a token another replica obtained (section 13): adopted as if
    // fetched, keeping its own times, so that every replica renews it at the same point.
    std::shared_ptr<const token_snapshot> on_shared(std::shared_ptr<const token_snapshot> token);
    // The in-flight request failed; returns the backoff delay before the next attempt.
    // jitter is a random number in [0, 1].
    clock::duration on_failure(token_errc error, clock::time_point now, double jitter);

    // An upstream rejected this token. Drops it only if it is still the current one, so that many
    // rejections of the same token cause one renewal. True means a fetch must be sent now.
    bool on_invalidate(const std::shared_ptr<const token_snapshot>& rejected,
                       clock::time_point now);

    // When on_background_check should next be called; nullopt while a fetch is in flight or
    // nothing is due.
    std::optional<clock::time_point> next_wakeup() const;

    const std::shared_ptr<const token_snapshot>& token() const { return token_; }
    bool fetching() const { return fetching_; }
    token_errc last_error() const { return last_error_; }

private:
    bool in_backoff(clock::time_point now) const;
    void begin_fetch(clock::time_point now);

    backoff_policy policy_;
    std::shared_ptr<const token_snapshot> token_;
    // Background renewal starts here, ahead of refresh_at, so that requests normally find a fresh
    // token and a failed renewal still has time to be retried before callers have to wait.
    clock::time_point renew_at_{};
    bool fetching_ = false;
    clock::time_point fetch_started_at_{};
    int failures_ = 0; // consecutive
    token_errc last_error_ = token_errc::ok;
    clock::time_point retry_at_{};
};

} // namespace kore_gateway
