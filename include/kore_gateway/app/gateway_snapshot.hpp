// Everything one configuration decides (CONTRACT.md section 14): the config itself, its route
// table, its upstreams with their forwarders, client authentication, CORS, rate limit and the
// dispatcher that ties them together. Built whole, never changed, and replaced whole by a reload; a
// request keeps the snapshot it started with alive until it is answered.
#pragma once

#include <memory>

#include "kore_gateway/auth/client_authenticator.hpp"
#include "kore_gateway/auth/jwks_source.hpp"
#include "kore_gateway/cache/cached_fetch.hpp"
#include "kore_gateway/config/config.hpp"
#include "kore_gateway/config/route_table.hpp"
#include "kore_gateway/gateway/request_dispatcher.hpp"
#include "kore_gateway/gateway/route_forwarding.hpp"
#include "kore_gateway/gateway/upstream_pools.hpp"
#include "kore_gateway/gateway/upstream_registry.hpp"
#include "kore_gateway/metrics/gateway_metrics.hpp"

namespace kore_gateway {

// The long-lived parts a snapshot is wired to; they outlive every snapshot.
struct snapshot_services {
    upstream_pools& pools;
    cached_fetch& cache;
    gateway_metrics& metrics;
    const clock& time;
    reload_fn reload; // what POST /admin/reload calls
    // The JWKS client JWTs are verified with; null when no JWT settings are configured.
    std::shared_ptr<jwk_provider> keys;
};

class gateway_snapshot {
public:
    // Throws config_error when the configuration's routes do not build.
    gateway_snapshot(gateway_config config, const snapshot_services& services);
    gateway_snapshot(const gateway_snapshot&) = delete;
    gateway_snapshot& operator=(const gateway_snapshot&) = delete;

    const gateway_config& config() const { return config_; }
    const route_table& routes() const { return routes_; }
    const upstream_registry& registry() const { return registry_; }
    request_dispatcher& dispatcher() { return dispatcher_; }

private:
    gateway_config config_;
    route_table routes_;
    upstream_registry registry_;
    route_forwarding forwarding_;
    std::shared_ptr<jwk_provider> keys_;
    client_authenticator authenticator_;
    request_dispatcher dispatcher_;
};

} // namespace kore_gateway
