// `kore-gateway --demo`: points a configuration at the embedded mock upstreams.
#pragma once

#include <string>

#include "kore_gateway/config/config.hpp"
#include "kore_gateway/config/config_loader.hpp"
#include "kore_gateway/mock/demo_upstreams.hpp"

namespace kore_gateway {

// The configuration given with kore and catalog replaced by the demo's, and billing too when the
// configuration declares it (config/examples/third-upstream-basic-auth.json): the demo's URL,
// key, token server and credentials, in the API key header the configuration names, which the
// fake billing is told to expect. Any other upstream stays as configured. Over TLS; the demo's CA
// is passed to the gateway separately as extra_ca_pem.
gateway_config with_demo_upstreams(gateway_config config, demo_upstreams& demo);

// env, with GATEWAY_JWT_JWKS_URL, GATEWAY_JWT_ISSUER and GATEWAY_JWT_AUDIENCE naming the demo's
// identity provider wherever env leaves them unset or empty, so that --demo with
// GATEWAY_CLIENT_AUTH=jwt needs nothing else. Being variables, they take precedence over a
// configuration file's "jwt" members.
env_lookup with_demo_identity(env_lookup env, const demo_upstreams& demo);

// The start-up log line of demo mode for a configuration from with_demo_upstreams: where each
// mock runs, the identity provider's JWKS and demo token URLs, and which upstreams have no mock
// and stay as configured.
std::string demo_startup_line(const gateway_config& config, const demo_upstreams& demo);

} // namespace kore_gateway
