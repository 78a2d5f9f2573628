#include "kore_gateway/mock/demo_upstreams.hpp"

namespace kore_gateway {

demo_upstreams::demo_upstreams()
    : credentials_{"kore-gateway-demo", "demo-client-secret", "pss-api", "demo-kore-api-key",
                   "demo-catalog-api-key"},
      pki_(make_test_pki("kore-gateway demo CA")), tls_(make_server_tls_context(pki_.server)),
      auth_(credentials_.client_id, credentials_.client_secret, credentials_.scope, tls_),
      kore_(credentials_.kore_api_key, auth_, tls_),
      catalog_(credentials_.catalog_api_key, nullptr, tls_) {}

} // namespace kore_gateway
