// The composition root: builds the long-lived parts (I/O threads, listener, upstream pools,
// cache, metrics) and the first configuration snapshot, reloads the configuration on SIGHUP or
// POST /admin/reload (CONTRACT.md section 14), and runs the two-phase shutdown (stop accepting
// and drain, then stop hard).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "kore_gateway/app/gateway_snapshot.hpp"
#include "kore_gateway/app/snapshot_handler.hpp"
#include "kore_gateway/cache/cached_fetch.hpp"
#include "kore_gateway/cache/shared_cache.hpp"
#include "kore_gateway/config/config.hpp"
#include "kore_gateway/gateway/upstream_pools.hpp"
#include "kore_gateway/metrics/gateway_metrics.hpp"
#include "kore_gateway/net.hpp"
#include "kore_gateway/server/connection_tracker.hpp"
#include "kore_gateway/server/io_context_pool.hpp"
#include "kore_gateway/server/listener.hpp"
#include "kore_gateway/server/session.hpp"
#include "kore_gateway/util/clock.hpp"
#include "kore_gateway/util/timer.hpp"

namespace kore_gateway {

// Reads the configuration again for a reload (the file, the environment and every *_FILE
// secret); throws config_error when it is invalid.
using config_source = std::function<gateway_config()>;

class gateway_app {
public:
    // extra_ca_pem: a CA trusted for upstream TLS besides the system's and the CA file
    // (demo mode's in-memory CA). source: what a reload reads; empty: reloads are refused.
    // clk: what the cache, circuits, tokens, upstream deadlines and the drain bound read (tests
    // pass a manual_clock); it must outlive the gateway. Binds the listening socket; throws on
    // failure.
    explicit gateway_app(gateway_config config, std::string extra_ca_pem = {},
                         config_source source = {}, const clock& clk = steady_clock::instance());
    ~gateway_app();
    gateway_app(const gateway_app&) = delete;
    gateway_app& operator=(const gateway_app&) = delete;

    tcp::endpoint local_endpoint() const { return listener_->local_endpoint(); }
    // The configuration the gateway started with (a reload keeps what needs a restart).
    const gateway_config& config() const { return config_; }
    gateway_metrics& metrics() { return metrics_; }

    // Starts the I/O threads; returns at once.
    void start();
    // Starts a drain: no new connections, in-flight requests finish, then everything stops.
    // Thread-safe and idempotent.
    void request_stop();
    // Blocks until the gateway has stopped (after request_stop or a signal).
    void wait();
    // Installs SIGTERM/SIGINT handling that calls request_stop, and SIGHUP handling that reloads.
    void stop_on_signals();
    // Reads the configuration again and swaps it in, off the I/O threads; calls done (from
    // another thread) with an empty string on success, else the reason nothing changed.
    void reload(std::function<void(std::string error)> done);

private:
    void wait_for_signal();
    void finish_stop();
    void reload_now(const std::function<void(std::string error)>& done);
    snapshot_services services(std::shared_ptr<jwk_provider> keys);
    // The JWKS source of config: the running one while its URL stays the same, else a new one
    // (not started); null without JWT settings.
    std::shared_ptr<jwks_source> jwks_for(const gateway_config& config);

    // Declared before io_ so that they outlive the handlers its contexts destroy last: sessions
    // release their slot in tracker_ (and count in metrics_) from their destructors.
    const gateway_config config_;
    config_source source_;
    const clock& clock_;
    gateway_metrics metrics_;
    session_limits limits_;
    connection_tracker tracker_;
    io_context_pool io_;
    net::signal_set signals_;
    clock_timer<net::io_context::executor_type> drain_deadline_;
    // The shared tier (section 13), with GATEWAY_REDIS_URL only: the connections (before the
    // pools, whose token providers share tokens through them), then the cache tier on them.
    // Their replies run on io_'s threads, like every other handler.
    std::unique_ptr<redis_links> redis_;
    std::unique_ptr<upstream_pools> pools_;
    std::unique_ptr<shared_cache> shared_;
    std::unique_ptr<cached_fetch> cache_;
    std::unique_ptr<snapshot_handler> handler_;
    // The JWKS source in use and the client it fetches with; replaced by reloads (on control_),
    // stopped by shutdown (on an I/O thread).
    std::mutex jwks_mutex_;
    std::shared_ptr<jwks_source> jwks_;
    std::shared_ptr<listener> listener_;
    // Reloads run here, one at a time: reading files and compiling route patterns must not
    // hold up an I/O thread.
    net::thread_pool control_{1};
    std::atomic<bool> stopping_{false};
    std::atomic<bool> stopped_{false};
};

} // namespace kore_gateway
