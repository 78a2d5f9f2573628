// The identity provider's JWKS, fetched over the gateway's own verified HTTPS client and kept
// fresh (CONTRACT.md section 17, "JWKS fetching"): fetched at start, kept per its Cache-Control
// (5 min to 24 h; none: 1 h), refetched at most once per 30 s for a token with an unknown kid,
// retried with backoff while no set was ever fetched; a failed or unusable fetch keeps the last
// good set.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "kore_gateway/auth/jwk_set.hpp"
#include "kore_gateway/net.hpp"
#include "kore_gateway/upstream/upstream_client.hpp"
#include "kore_gateway/util/clock.hpp"
#include "kore_gateway/util/timer.hpp"
#include "kore_gateway/util/url.hpp"

namespace kore_gateway {

// The keys client JWTs are verified with: the seam between the authenticator and the fetching.
class jwk_provider {
public:
    virtual ~jwk_provider() = default;
    // The current set; null while no set was ever fetched.
    virtual std::shared_ptr<const jwk_set> keys() const = 0;
    // A token named a kid the current set lacks: refetch unless a fetch ran (or started) within
    // the last 30 s, and call done (from any thread) once that fetch ended, or at once when none
    // is allowed. The caller then looks at keys() again.
    virtual void refresh_for_unknown_kid(std::function<void()> done) = 0;
    // Empty once a set was fetched, else why not ("JWKS https://...: not fetched yet (timeout)").
    virtual std::string not_ready_reason() const = 0;
};

class jwks_source final : public jwk_provider, public std::enable_shared_from_this<jwks_source> {
public:
    // client reaches jwks_url's origin; timeout bounds one fetch. The clock is read for every
    // decision (age, the 30 s refetch bound, backoff); timers only wake the source up.
    static std::shared_ptr<jwks_source> create(net::any_io_executor executor,
                                               std::shared_ptr<upstream_client> client,
                                               url jwks_url, std::chrono::milliseconds timeout,
                                               const clock& clk);

    // The first fetch; later ones follow by themselves.
    void start();
    // Cancels the timer; waiting callers are called at once.
    void stop();

    std::shared_ptr<const jwk_set> keys() const override;
    void refresh_for_unknown_kid(std::function<void()> done) override;
    std::string not_ready_reason() const override;
    const url& location() const;

    // The timer's action, also callable at any time: starts the fetch that is due by the clock
    // (the set's lifetime ended, or a retry's backoff passed) and rearms the timer. Lets tests
    // that move a manual clock wake the source without waiting in real time.
    void check_now();

private:
    jwks_source(net::any_io_executor executor, std::shared_ptr<upstream_client> client,
                url jwks_url, std::chrono::milliseconds timeout, const clock& clk);

    void on_check();
    void on_refresh(std::function<void()> done);
    // counted: the fetch counts against the 30 s bound of refresh_for_unknown_kid.
    void do_fetch(bool counted);
    void on_fetched(upstream_result result);
    void on_failure(std::string reason);
    void schedule_wakeup();
    void on_wakeup(error_code ec);
    void publish();
    void notify_waiters();

    net::any_io_executor executor_;
    net::strand<net::any_io_executor> strand_;
    std::shared_ptr<upstream_client> client_;
    url location_;
    std::string display_url_; // https://host/path, for logs and not_ready_reason
    std::chrono::milliseconds timeout_;
    const clock& clock_;

    // Used on the strand only.
    clock_timer<net::strand<net::any_io_executor>> timer_;
    std::shared_ptr<const jwk_set> set_;
    bool fetching_ = false;
    bool stopped_ = false;
    clock::time_point fetch_started_at_{};
    std::optional<clock::time_point> last_counted_fetch_; // start of the latest counted fetch
    std::optional<clock::time_point> next_fetch_at_;      // set expiry or retry; none in flight
    int failures_ = 0;                                    // consecutive
    std::string last_failure_;                            // safe to show
    std::vector<std::function<void()>> waiters_;
    std::minstd_rand random_;

    // A copy for readers on any thread; the mutex is held only to copy these.
    mutable std::mutex published_mutex_;
    std::shared_ptr<const jwk_set> published_set_;
    std::string published_failure_;
};

} // namespace kore_gateway
