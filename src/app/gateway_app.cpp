#include "kore_gateway/app/gateway_app.hpp"

#include <spdlog/spdlog.h>

#include "kore_gateway/util/clock.hpp"

namespace kore_gateway {

gateway_app::gateway_app(gateway_config config, std::string extra_ca_pem)
    : config_(std::move(config)),
      routes_(build_route_table(config_)), limits_{config_.max_body_bytes, config_.max_header_bytes,
                                                   config_.request_read_timeout,
                                                   config_.idle_timeout},
      tracker_(config_.max_connections, metrics_), io_(config_.threads), signals_(io_.first()),
      drain_deadline_(io_.first()) {
    const auto& clock = steady_clock::instance();
    upstreams_ = std::make_unique<upstream_registry>(config_, io_.executors(), metrics_, clock,
                                                     extra_ca_pem);
    cache_ = std::make_unique<cached_fetch>(config_.cache_max_bytes, config_.stale_if_error, clock,
                                            metrics_);
    metrics_.set_cache_entries(
        [this] { return static_cast<double>(cache_->store().snapshot().entries); });
    metrics_.set_cache_bytes(
        [this] { return static_cast<double>(cache_->store().snapshot().bytes); });
    metrics_.set_cache_waiting([this] { return static_cast<double>(cache_->waiting()); });
    metrics_.set_cache_evictions(
        [this] { return static_cast<double>(cache_->store().snapshot().evictions); });
    forwarding_ = std::make_unique<route_forwarding>(config_, routes_, *upstreams_, *cache_, clock);
    dispatcher_ =
        std::make_unique<request_dispatcher>(config_, routes_, *forwarding_, metrics_, clock);
    const tcp::endpoint endpoint{net::ip::make_address(config_.listen_address), config_.port};
    try {
        listener_ = std::make_shared<listener>(io_, endpoint, *dispatcher_, limits_, tracker_);
    } catch (const listen_error& e) {
        throw listen_error(std::string(e.what()) +
                           " (GATEWAY_LISTEN_ADDRESS sets the address, GATEWAY_PORT the port)");
    }
}

gateway_app::~gateway_app() {
    request_stop();
    wait();
}

void gateway_app::start() {
    upstreams_->start();
    listener_->run();
    const auto bound = listener_->local_endpoint();
    spdlog::info("kore-gateway {} listening on {}:{} with {} I/O threads", KORE_GATEWAY_VERSION,
                 bound.address().to_string(), bound.port(), config_.threads);
    io_.run();
}

void gateway_app::stop_on_signals() {
    signals_.add(SIGTERM);
    signals_.add(SIGINT);
    // SIGHUP's default action would end the process without a word; until reload exists it is
    // logged and ignored.
    signals_.add(SIGHUP);
    wait_for_signal();
}

void gateway_app::wait_for_signal() {
    signals_.async_wait([this](error_code ec, int signal) {
        if (ec) {
            return;
        }
        if (signal == SIGHUP) {
            spdlog::warn("SIGHUP received: configuration reload is not supported by this version; "
                         "nothing changed (restart to apply a new configuration)");
            return wait_for_signal();
        }
        spdlog::info("signal {} received: draining", signal);
        request_stop();
    });
}

void gateway_app::request_stop() {
    if (stopping_.exchange(true)) {
        return;
    }
    net::post(io_.first(), [this] {
        error_code ec;
        signals_.cancel(ec);
        listener_->stop();
        drain_deadline_.expires_after(config_.drain_timeout);
        drain_deadline_.async_wait([this](error_code wait_ec) {
            if (!wait_ec) {
                spdlog::warn("drain bound of {} ms reached: closing {} connections",
                             config_.drain_timeout.count(), tracker_.open());
                finish_stop();
            }
        });
        tracker_.drain([this] { net::post(io_.first(), [this] { finish_stop(); }); });
    });
}

// Phase two: everything in flight has finished (or the bound was reached); stop the threads.
void gateway_app::finish_stop() {
    if (stopped_.exchange(true)) {
        return;
    }
    drain_deadline_.cancel();
    upstreams_->stop();
    io_.stop();
}

void gateway_app::wait() {
    io_.join();
    // Connections still open here outlived the drain bound: no thread runs their handlers any
    // more, so close them from this one rather than leave clients waiting on them.
    tracker_.abort_all();
}

} // namespace kore_gateway
