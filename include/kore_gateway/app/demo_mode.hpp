// `kore-gateway --demo`: points a configuration at the embedded mock upstreams.
#pragma once

#include "kore_gateway/config/config.hpp"
#include "kore_gateway/mock/demo_upstreams.hpp"

namespace kore_gateway {

// The configuration given, with both upstreams replaced by the demo's (over TLS; its CA is
// passed to the gateway separately as extra_ca_pem).
gateway_config with_demo_upstreams(gateway_config config, const demo_upstreams& demo);

} // namespace kore_gateway
