#include "kore_gateway/app/gateway_app.hpp"

#include <spdlog/spdlog.h>

#include "kore_gateway/app/restart_settings.hpp"
#include "kore_gateway/config/config_loader.hpp"
#include "kore_gateway/log/logging.hpp"
#include "kore_gateway/upstream/tls_context.hpp"

namespace kore_gateway {

gateway_app::gateway_app(gateway_config config, std::string extra_ca_pem, config_source source,
                         const clock& clk)
    : config_(std::move(config)), source_(std::move(source)),
      clock_(clk), limits_{config_.max_body_bytes, config_.max_header_bytes,
                           config_.request_read_timeout, config_.idle_timeout},
      tracker_(config_.max_connections, metrics_), io_(config_.threads), signals_(io_.first()),
      drain_deadline_(io_.first().get_executor(), clk) {
    if (!config_.redis_url.empty()) {
        // The URL was checked when the configuration was loaded.
        redis_settings settings{*parse_redis_url(config_.redis_url).url, config_.redis_password,
                                config_.redis_timeout, config_.redis_key_prefix};
        redis_ = std::make_unique<redis_links>(
            io_.executors(), std::move(settings),
            make_client_tls_context(config_.ca_file, extra_ca_pem), clock_,
            [this](const std::string& message) {
                if (const auto notice = shared_->notice_from_others(message)) {
                    cache_->on_notice(*notice);
                }
            },
            [this] { cache_->forget_all(); });
        shared_ = std::make_unique<shared_cache>(*redis_, config_.upstream_max_response_bytes,
                                                 clock_, metrics_);
        metrics_.set_redis_up([this] { return redis_->is_up() ? 1.0 : 0.0; });
    }
    pools_ = std::make_unique<upstream_pools>(
        io_.executors(), make_client_tls_context(config_.ca_file, extra_ca_pem), metrics_, clock_,
        redis_.get());
    cache_ = std::make_unique<cached_fetch>(config_.cache_max_bytes, config_.stale_if_error, clock_,
                                            metrics_, shared_.get());
    metrics_.set_cache_entries(
        [this] { return static_cast<double>(cache_->store().snapshot().entries); });
    metrics_.set_cache_bytes(
        [this] { return static_cast<double>(cache_->store().snapshot().bytes); });
    metrics_.set_cache_waiting([this] { return static_cast<double>(cache_->waiting()); });
    metrics_.set_cache_evictions(
        [this] { return static_cast<double>(cache_->store().snapshot().evictions); });
    jwks_ = jwks_for(config_);
    handler_ = std::make_unique<snapshot_handler>(
        std::make_shared<gateway_snapshot>(config_, services(jwks_)));
    const tcp::endpoint endpoint{net::ip::make_address(config_.listen_address), config_.port};
    try {
        listener_ = std::make_shared<listener>(io_, endpoint, *handler_, limits_, tracker_);
    } catch (const listen_error& e) {
        throw listen_error(std::string(e.what()) +
                           " (GATEWAY_LISTEN_ADDRESS sets the address, GATEWAY_PORT the port)");
    }
}

gateway_app::~gateway_app() {
    request_stop();
    wait();
    // A reload still running uses the pools and the handler, which are destroyed after this.
    control_.join();
}

snapshot_services gateway_app::services(std::shared_ptr<jwk_provider> keys) {
    return {*pools_,
            *cache_,
            metrics_,
            clock_,
            [this](std::function<void(std::string)> done) { reload(std::move(done)); },
            std::move(keys)};
}

std::shared_ptr<jwks_source> gateway_app::jwks_for(const gateway_config& config) {
    if (!config.jwt.configured()) {
        return nullptr;
    }
    const auto& location = *config.jwt.jwks_url;
    if (jwks_ && jwks_->location().origin() == location.origin() &&
        jwks_->location().path == location.path) {
        return jwks_;
    }
    return jwks_source::create(io_.first().get_executor(),
                               pools_->client_for(location, client_options(config, location)),
                               location, config.upstream_timeout, clock_);
}

void gateway_app::start() {
    if (redis_) {
        redis_->start();
        spdlog::info("shared tier: Redis at {}",
                     parse_redis_url(config_.redis_url).url->to_string());
        // Bounded like one connection attempt: a Redis that is away delays no token.
        redis_->when_ready(redis_connection_options{}.connect_timeout,
                           [this] { pools_->start_new_providers(); });
    } else {
        pools_->start_new_providers();
    }
    if (jwks_) {
        jwks_->start();
    }
    listener_->run();
    const auto bound = listener_->local_endpoint();
    spdlog::info("kore-gateway {} listening on {}:{} with {} I/O threads{}", KORE_GATEWAY_VERSION,
                 bound.address().to_string(), bound.port(), config_.threads,
                 config_.cpu_affinity ? ", each on a CPU of its own" : "");
    io_.run(config_.cpu_affinity);
}

void gateway_app::stop_on_signals() {
    signals_.add(SIGTERM);
    signals_.add(SIGINT);
    signals_.add(SIGHUP);
    wait_for_signal();
}

void gateway_app::wait_for_signal() {
    signals_.async_wait([this](error_code ec, int signal) {
        if (ec) {
            return;
        }
        if (signal == SIGHUP) {
            spdlog::info("SIGHUP received: reloading the configuration");
            reload([](const std::string&) {});
            return wait_for_signal();
        }
        spdlog::info("signal {} received: draining", signal);
        request_stop();
    });
}

void gateway_app::reload(std::function<void(std::string error)> done) {
    net::post(control_, [this, done = std::move(done)] { reload_now(done); });
}

void gateway_app::reload_now(const std::function<void(std::string error)>& done) {
    const auto refuse = [&](const std::string& why) {
        spdlog::error("configuration reload refused, nothing changed: {}", why);
        metrics_.config_reload(false);
        done(why);
    };
    if (!source_) {
        return refuse("this gateway was started without a configuration to read again");
    }
    if (stopping_) {
        return refuse("the gateway is stopping");
    }
    std::shared_ptr<gateway_snapshot> next;
    std::shared_ptr<jwks_source> keys;
    try {
        auto config = source_();
        const auto kept = keep_restart_settings(config_, config);
        if (!kept.empty()) {
            std::string names;
            for (const auto& name : kept) {
                names += (names.empty() ? "" : ", ") + name;
            }
            spdlog::warn("configuration reload: {} changed but needs a restart; the running "
                         "values are kept",
                         names);
        }
        {
            const std::lock_guard lock(jwks_mutex_);
            keys = jwks_for(config);
        }
        next = std::make_shared<gateway_snapshot>(std::move(config), services(keys));
    } catch (const config_error& e) {
        return refuse(e.what());
    }
    set_log_level(next->config().log_level);
    handler_->install(next);
    pools_->start_new_providers();
    auto in_use = next->registry().pooled_parts();
    {
        const std::lock_guard lock(jwks_mutex_);
        if (keys != jwks_) {
            if (jwks_) {
                jwks_->stop();
            }
            if (keys) {
                keys->start();
            }
            jwks_ = keys;
        }
        if (jwks_) {
            in_use.insert(pools_->client_for(jwks_->location(), {}).get());
        }
    }
    pools_->retire_all_but(in_use);
    metrics_.config_reload(true);
    spdlog::info("configuration reloaded: {} upstreams, {} routes", next->config().upstreams.size(),
                 next->routes().rows().size());
    done({});
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
    {
        const std::lock_guard lock(jwks_mutex_);
        if (jwks_) {
            jwks_->stop();
        }
    }
    pools_->stop();
    if (redis_) {
        redis_->stop();
    }
    io_.stop();
}

void gateway_app::wait() {
    io_.join();
    // Connections still open here outlived the drain bound: no thread runs their handlers any
    // more, so close them from this one rather than leave clients waiting on them.
    tracker_.abort_all();
}

} // namespace kore_gateway
