// The composition root: builds every part from the configuration, owns the I/O threads, and runs
// the two-phase shutdown (stop accepting and drain, then stop hard).
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "kore_gateway/cache/cached_fetch.hpp"
#include "kore_gateway/config/config.hpp"
#include "kore_gateway/config/route_table.hpp"
#include "kore_gateway/gateway/request_dispatcher.hpp"
#include "kore_gateway/gateway/route_forwarding.hpp"
#include "kore_gateway/gateway/upstream_registry.hpp"
#include "kore_gateway/metrics/gateway_metrics.hpp"
#include "kore_gateway/net.hpp"
#include "kore_gateway/server/connection_tracker.hpp"
#include "kore_gateway/server/io_context_pool.hpp"
#include "kore_gateway/server/listener.hpp"
#include "kore_gateway/server/session.hpp"

namespace kore_gateway {

class gateway_app {
public:
    // extra_ca_pem: a CA trusted for upstream TLS besides the system's and the CA file
    // (demo mode's in-memory CA). Binds the listening socket; throws on failure.
    explicit gateway_app(gateway_config config, std::string extra_ca_pem = {});
    ~gateway_app();
    gateway_app(const gateway_app&) = delete;
    gateway_app& operator=(const gateway_app&) = delete;

    tcp::endpoint local_endpoint() const { return listener_->local_endpoint(); }
    const gateway_config& config() const { return config_; }
    gateway_metrics& metrics() { return metrics_; }

    // Starts the I/O threads; returns at once.
    void start();
    // Starts a drain: no new connections, in-flight requests finish, then everything stops.
    // Thread-safe and idempotent.
    void request_stop();
    // Blocks until the gateway has stopped (after request_stop or a signal).
    void wait();
    // Installs SIGTERM/SIGINT handling that calls request_stop; SIGHUP is logged and ignored.
    void stop_on_signals();

private:
    void wait_for_signal();
    void finish_stop();

    // Declared before io_ so that they outlive the handlers its contexts destroy last: sessions
    // release their slot in tracker_ (and count in metrics_) from their destructors.
    gateway_config config_;
    route_table routes_;
    gateway_metrics metrics_;
    session_limits limits_;
    connection_tracker tracker_;
    io_context_pool io_;
    net::signal_set signals_;
    net::steady_timer drain_deadline_;
    std::unique_ptr<upstream_registry> upstreams_;
    std::unique_ptr<cached_fetch> cache_;
    std::unique_ptr<route_forwarding> forwarding_;
    std::unique_ptr<request_dispatcher> dispatcher_;
    std::shared_ptr<listener> listener_;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> stopped_{false};
};

} // namespace kore_gateway
