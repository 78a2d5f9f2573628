// Keeps the bearer token of one credential set: fetches it once for all callers, renews it in the
// background before it goes stale, backs off after failures without ever giving up, and publishes
// it as an immutable snapshot that readers copy without waiting.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "kore_gateway/auth/oauth_client.hpp"
#include "kore_gateway/auth/shared_token_store.hpp"
#include "kore_gateway/auth/token_source.hpp"
#include "kore_gateway/auth/token_state.hpp"
#include "kore_gateway/config/config.hpp"
#include "kore_gateway/net.hpp"
#include "kore_gateway/upstream/upstream_client.hpp"
#include "kore_gateway/util/clock.hpp"
#include "kore_gateway/util/timer.hpp"

namespace kore_gateway {

// Hooks for metrics; each may be empty. They are called on the provider's strand and must not
// block.
struct token_observers {
    std::function<void()> on_request; // a token request is being sent
    std::function<void()> on_failure; // a token request failed
};

// The Asio driver of token_state: a strand serialises the state, the waiters and the one timer
// (renewal or retry); the published snapshot sits behind a mutex held only to copy a pointer.
class token_provider final : public token_source,
                             public std::enable_shared_from_this<token_provider> {
public:
    // auth_server reaches credentials.token_url's origin. The clock is read for every decision
    // and drives the renewal and retry timer. name ("kore", "catalog") tags the log lines.
    // shared: the token replicas share through Redis (section 13), or null. shared_wait bounds
    // the wait for another replica's token request (the token request's own timeout); executor
    // must then be an I/O thread's, since the store's commands go out on its connection.
    static std::shared_ptr<token_provider> create(net::any_io_executor executor,
                                                  std::shared_ptr<upstream_client> auth_server,
                                                  client_credentials credentials, const clock& clk,
                                                  std::string name, token_observers observers = {},
                                                  std::shared_ptr<shared_token_store> shared = {},
                                                  std::chrono::milliseconds shared_wait = {});

    // Sends the first token request so that a token is ready before the first caller asks.
    void start();
    // Cancels the timer and fails every waiting caller with token_errc::unavailable; later
    // async_get calls that find no usable token fail the same way.
    void stop();

    void async_get(token_callback done) override;
    void invalidate(const std::shared_ptr<const token_snapshot>& rejected) override;
    bool has_usable_token() const override;
    std::string status() const override;

private:
    token_provider(net::any_io_executor executor, std::shared_ptr<upstream_client> auth_server,
                   client_credentials credentials, const clock& clk, std::string name,
                   token_observers observers, std::shared_ptr<shared_token_store> shared,
                   std::chrono::milliseconds shared_wait);

    void on_get(token_callback done);
    void on_invalidate(const std::shared_ptr<const token_snapshot>& rejected);
    // A fetch is due: the shared token if another replica has one, else a token request.
    void do_fetch();
    void on_shared(shared_token_store::found found);
    void request_token(bool locked);
    void on_fetched(token_reply reply, bool locked);
    void schedule_wakeup();
    void on_wakeup(error_code ec);
    void publish();
    std::shared_ptr<const token_snapshot> load_token() const;
    void notify_waiters(token_errc error, const std::shared_ptr<const token_snapshot>& token);
    void deliver(token_callback done, token_errc error,
                 std::shared_ptr<const token_snapshot> token);

    net::any_io_executor executor_;
    net::strand<net::any_io_executor> strand_;
    oauth_client client_;
    const clock& clock_;
    std::string name_;
    token_observers observers_;
    std::shared_ptr<shared_token_store> shared_;
    std::chrono::milliseconds shared_wait_;

    // Used on the strand only.
    clock_timer<net::strand<net::any_io_executor>> timer_;
    token_state state_;
    std::vector<token_callback> waiters_;
    std::string last_failure_;  // safe to show; empty after a success
    std::string shared_sealed_; // the current token's value in Redis, for drop_if
    std::minstd_rand random_;
    bool stopped_ = false;

    // A copy of the state for readers on any thread; the mutex is held only to copy these.
    mutable std::mutex published_mutex_;
    std::shared_ptr<const token_snapshot> published_token_;
    std::string published_failure_;
};

} // namespace kore_gateway
