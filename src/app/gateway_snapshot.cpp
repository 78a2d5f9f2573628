#include "kore_gateway/app/gateway_snapshot.hpp"

namespace kore_gateway {

gateway_snapshot::gateway_snapshot(gateway_config config, const snapshot_services& services)
    : config_(std::move(config)), routes_(build_route_table(config_)),
      registry_(config_, services.pools, services.metrics),
      forwarding_(config_, routes_, registry_, services.cache, services.time), keys_(services.keys),
      authenticator_(config_, keys_, services.time),
      dispatcher_(
          config_, routes_, forwarding_, services.metrics, services.time,
          {.reload = services.reload, .authenticator = &authenticator_, .keys = keys_.get()}) {}

} // namespace kore_gateway
