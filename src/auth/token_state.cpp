#include "kore_gateway/auth/token_state.hpp"

namespace kore_gateway {

bool is_usable(const token_snapshot& token, clock::time_point now) {
    return now < token.refresh_at;
}

token_decision token_state::on_request(clock::time_point now) {
    if (token_ && is_usable(*token_, now)) {
        return {token_action::use_token, token_};
    }
    if (fetching_) {
        return {token_action::wait, nullptr};
    }
    if (in_backoff(now)) {
        return {token_action::fail_fast, nullptr, last_error_};
    }
    begin_fetch(now);
    return {token_action::start_fetch, nullptr};
}

bool token_state::on_background_check(clock::time_point now) {
    if (fetching_) {
        return false;
    }
    const bool due = failures_ > 0 ? now >= retry_at_ : (!token_ || now >= renew_at_);
    if (!due) {
        return false;
    }
    begin_fetch(now);
    return true;
}

std::shared_ptr<const token_snapshot> token_state::on_success(std::string access_token,
                                                              clock::duration lifetime) {
    // The server's clock started before its answer reached us, so the lifetime is counted from
    // when we asked, not from when the answer arrived.
    const auto obtained = fetch_started_at_;
    token_ = std::make_shared<const token_snapshot>(token_snapshot{
        std::move(access_token), obtained, obtained + lifetime, obtained + lifetime * 9 / 10});
    renew_at_ = obtained + lifetime * 8 / 10;
    fetching_ = false;
    failures_ = 0;
    last_error_ = token_errc::ok;
    return token_;
}

std::shared_ptr<const token_snapshot>
token_state::on_shared(std::shared_ptr<const token_snapshot> token) {
    renew_at_ = token->obtained_at + (token->expires_at - token->obtained_at) * 8 / 10;
    token_ = std::move(token);
    fetching_ = false;
    failures_ = 0;
    last_error_ = token_errc::ok;
    return token_;
}

clock::duration token_state::on_failure(token_errc error, clock::time_point now, double jitter) {
    fetching_ = false;
    ++failures_;
    last_error_ = error;
    const auto delay = backoff_delay(policy_, failures_, jitter);
    retry_at_ = now + delay;
    return delay;
}

bool token_state::on_invalidate(const std::shared_ptr<const token_snapshot>& rejected,
                                clock::time_point now) {
    if (!rejected || rejected != token_) {
        return false;
    }
    token_.reset();
    if (fetching_ || in_backoff(now)) {
        return false;
    }
    begin_fetch(now);
    return true;
}

std::optional<clock::time_point> token_state::next_wakeup() const {
    if (fetching_) {
        return std::nullopt;
    }
    if (failures_ > 0) {
        return retry_at_;
    }
    if (token_) {
        return renew_at_;
    }
    return std::nullopt;
}

bool token_state::in_backoff(clock::time_point now) const {
    return failures_ > 0 && now < retry_at_;
}

void token_state::begin_fetch(clock::time_point now) {
    fetching_ = true;
    fetch_started_at_ = now;
}

} // namespace kore_gateway
