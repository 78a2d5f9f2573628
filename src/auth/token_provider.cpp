#include "kore_gateway/auth/token_provider.hpp"

#include <spdlog/spdlog.h>

namespace kore_gateway {

std::shared_ptr<token_provider>
token_provider::create(net::any_io_executor executor, std::shared_ptr<upstream_client> auth_server,
                       client_credentials credentials, const clock& clk, std::string name,
                       token_observers observers, std::shared_ptr<shared_token_store> shared,
                       std::chrono::milliseconds shared_wait) {
    return std::shared_ptr<token_provider>(
        new token_provider(std::move(executor), std::move(auth_server), std::move(credentials), clk,
                           std::move(name), std::move(observers), std::move(shared), shared_wait));
}

token_provider::token_provider(net::any_io_executor executor,
                               std::shared_ptr<upstream_client> auth_server,
                               client_credentials credentials, const clock& clk, std::string name,
                               token_observers observers,
                               std::shared_ptr<shared_token_store> shared,
                               std::chrono::milliseconds shared_wait)
    : executor_(executor), strand_(net::make_strand(executor)),
      client_(std::move(auth_server), std::move(credentials)), clock_(clk), name_(std::move(name)),
      observers_(std::move(observers)), shared_(std::move(shared)), shared_wait_(shared_wait),
      timer_(strand_, clk), random_(std::random_device{}()) {}

void token_provider::start() {
    net::post(strand_, [self = shared_from_this()] {
        if (self->stopped_) {
            return;
        }
        if (self->state_.on_background_check(self->clock_.now())) {
            self->do_fetch();
        }
        self->schedule_wakeup();
    });
}

void token_provider::stop() {
    net::post(strand_, [self = shared_from_this()] {
        self->stopped_ = true;
        self->timer_.cancel();
        self->notify_waiters(token_errc::unavailable, nullptr);
    });
}

void token_provider::async_get(token_callback done) {
    auto token = load_token();
    if (token && is_usable(*token, clock_.now())) {
        done(token_errc::ok, std::move(token));
        return;
    }
    net::post(strand_, [self = shared_from_this(), done = std::move(done)]() mutable {
        self->on_get(std::move(done));
    });
}

void token_provider::invalidate(const std::shared_ptr<const token_snapshot>& rejected) {
    if (!rejected) {
        return;
    }
    // Hidden from the fast path at once, so that the caller's retry cannot get it back.
    {
        std::lock_guard lock(published_mutex_);
        if (published_token_ == rejected) {
            published_token_.reset();
        }
    }
    net::post(strand_, [self = shared_from_this(), rejected] { self->on_invalidate(rejected); });
}

bool token_provider::has_usable_token() const {
    const auto token = load_token();
    return token && is_usable(*token, clock_.now());
}

std::string token_provider::status() const {
    std::shared_ptr<const token_snapshot> token;
    std::string failure;
    {
        std::lock_guard lock(published_mutex_);
        token = published_token_;
        failure = published_failure_;
    }
    const auto now = clock_.now();
    if (token && is_usable(*token, now)) {
        const auto left = std::chrono::duration_cast<std::chrono::seconds>(token->expires_at - now);
        return "token valid for " + std::to_string(left.count()) + " s";
    }
    if (!failure.empty()) {
        return "last token request failed: " + failure;
    }
    return "no token yet";
}

void token_provider::on_get(token_callback done) {
    if (stopped_) {
        deliver(std::move(done), token_errc::unavailable, nullptr);
        return;
    }
    auto decision = state_.on_request(clock_.now());
    switch (decision.action) {
    case token_action::use_token:
        deliver(std::move(done), token_errc::ok, std::move(decision.token));
        return;
    case token_action::fail_fast:
        deliver(std::move(done), decision.error, nullptr);
        return;
    case token_action::start_fetch:
        waiters_.push_back(std::move(done));
        do_fetch();
        return;
    case token_action::wait:
        waiters_.push_back(std::move(done));
        return;
    }
}

void token_provider::on_invalidate(const std::shared_ptr<const token_snapshot>& rejected) {
    if (stopped_) {
        return;
    }
    if (state_.token() == rejected) {
        spdlog::info("auth[{}]: token rejected by the upstream, renewing it", name_);
        if (shared_) {
            // Only if it is still the shared one: a late 401 never drops a newer token.
            shared_->drop_if(shared_sealed_);
        }
    }
    const bool fetch = state_.on_invalidate(rejected, clock_.now());
    publish();
    if (fetch) {
        do_fetch();
    }
    schedule_wakeup();
}

void token_provider::do_fetch() {
    if (!shared_) {
        return request_token(false);
    }
    shared_->read_or_lock(shared_wait_, [self = shared_from_this()](shared_token_store::found f) {
        net::post(self->strand_,
                  [self, f = std::move(f)]() mutable { self->on_shared(std::move(f)); });
    });
}

void token_provider::on_shared(shared_token_store::found found) {
    if (stopped_) {
        return;
    }
    if (found.token) {
        const auto token = state_.on_shared(found.token);
        shared_sealed_ = std::move(found.sealed);
        last_failure_.clear();
        publish();
        spdlog::info(
            "auth[{}]: token shared by another replica, expires in {} s", name_,
            std::chrono::duration_cast<std::chrono::seconds>(token->expires_at - clock_.now())
                .count());
        notify_waiters(token_errc::ok, token);
        return schedule_wakeup();
    }
    if (found.busy) {
        // Another replica is asking: its token, or our own request once it is done or gone.
        return shared_->wait_for_token(
            shared_wait_, [self = shared_from_this()](shared_token_store::found f) {
                net::post(self->strand_, [self, f = std::move(f)]() mutable {
                    if (f.token || self->stopped_) {
                        return self->on_shared(std::move(f));
                    }
                    self->request_token(false);
                });
            });
    }
    request_token(found.locked);
}

void token_provider::request_token(bool locked) {
    if (observers_.on_request) {
        observers_.on_request();
    }
    spdlog::debug("auth[{}]: requesting a token", name_);
    client_.async_request_token([self = shared_from_this(), locked](token_reply reply) {
        net::post(self->strand_, [self, reply = std::move(reply), locked]() mutable {
            self->on_fetched(std::move(reply), locked);
        });
    });
}

void token_provider::on_fetched(token_reply reply, bool locked) {
    if (stopped_) {
        return;
    }
    if (reply.error == token_errc::ok) {
        const auto token = state_.on_success(std::move(reply.access_token), reply.lifetime);
        if (shared_) {
            shared_sealed_ = shared_->store(*token, locked);
        }
        last_failure_.clear();
        publish();
        spdlog::info("auth[{}]: token obtained, expires in {} s", name_, reply.lifetime.count());
        notify_waiters(token_errc::ok, token);
    } else {
        if (shared_ && locked) {
            shared_->release();
        }
        if (observers_.on_failure) {
            observers_.on_failure();
        }
        const double jitter = std::uniform_real_distribution<double>(0.0, 1.0)(random_);
        const auto delay = state_.on_failure(reply.error, clock_.now(), jitter);
        last_failure_ = std::string(to_string(reply.error)) + " (" + reply.description + ")";
        publish();
        spdlog::warn("auth[{}]: token request failed: {}; next attempt in {} ms", name_,
                     last_failure_,
                     std::chrono::duration_cast<std::chrono::milliseconds>(delay).count());
        notify_waiters(reply.error, nullptr);
    }
    schedule_wakeup();
}

void token_provider::schedule_wakeup() {
    const auto wakeup = state_.next_wakeup();
    if (!wakeup) {
        timer_.cancel();
        return;
    }
    // A wake-up that comes too early is harmless: the state machine just reschedules.
    timer_.expires_at(*wakeup);
    timer_.async_wait([self = shared_from_this()](error_code ec) { self->on_wakeup(ec); });
}

void token_provider::on_wakeup(error_code ec) {
    if (ec == net::error::operation_aborted || stopped_) {
        return;
    }
    if (ec) {
        // Re-arming a failing timer could spin; callers still start whatever fetch is due.
        spdlog::error("auth[{}]: renewal timer failed: {}", name_, ec.message());
        return;
    }
    if (state_.on_background_check(clock_.now())) {
        do_fetch();
    }
    schedule_wakeup();
}

std::shared_ptr<const token_snapshot> token_provider::load_token() const {
    std::lock_guard lock(published_mutex_);
    return published_token_;
}

void token_provider::publish() {
    std::lock_guard lock(published_mutex_);
    published_token_ = state_.token();
    published_failure_ = last_failure_;
}

void token_provider::notify_waiters(token_errc error,
                                    const std::shared_ptr<const token_snapshot>& token) {
    auto waiters = std::move(waiters_);
    waiters_.clear();
    for (auto& done : waiters) {
        deliver(std::move(done), error, token);
    }
}

void token_provider::deliver(token_callback done, token_errc error,
                             std::shared_ptr<const token_snapshot> token) {
    // Callers' continuations run on the io_context's threads, not on this strand, so that they
    // neither serialise behind each other nor hold the token state up.
    net::post(executor_,
              [done = std::move(done), error, token = std::move(token)] { done(error, token); });
}

} // namespace kore_gateway
