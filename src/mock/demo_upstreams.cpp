#include "kore_gateway/mock/demo_upstreams.hpp"

#include "kore_gateway/mock/fake_http.hpp"

namespace kore_gateway {

demo_upstreams::demo_upstreams()
    : credentials_{.client_id = "kore-gateway-demo",
                   .client_secret = "demo-client-secret",
                   .scope = "pss-api",
                   .kore_api_key = "demo-kore-api-key",
                   .catalog_api_key = "demo-catalog-api-key",
                   .billing_api_key = "demo-billing-api-key",
                   .billing_api_key_header = "X-Billing-Key",
                   .billing_client_id = "kore-gateway-demo-billing",
                   .billing_client_secret = "demo-billing-client-secret",
                   .billing_scope = "invoices:read",
                   .billing_audience = "https://billing.example.com"},
      pki_(make_test_pki("kore-gateway demo CA")), tls_(make_server_tls_context(pki_.server)),
      auth_(credentials_.client_id, credentials_.client_secret, credentials_.scope, tls_),
      kore_(credentials_.kore_api_key, auth_, tls_),
      catalog_(credentials_.catalog_api_key, nullptr, tls_),
      billing_auth_(credentials_.billing_client_id, credentials_.billing_client_secret,
                    credentials_.billing_scope, tls_),
      billing_(credentials_.billing_api_key, credentials_.billing_api_key_header, billing_auth_,
               tls_),
      browser_auth_([this](const recorded_request& req) {
          // Only the demo token endpoint: the client-credentials one stays behind TLS.
          return req.path() == fake_auth::demo_token_path
                     ? auth_.handle(req)
                     : json_reply(404, {{"error", "not_found"}});
      }) {
    billing_auth_.set_client_auth(client_auth_method::basic);
    billing_auth_.set_expected_audience(credentials_.billing_audience);
}

std::string demo_upstreams::demo_token_url() const {
    return browser_auth_.base_url() + std::string(fake_auth::demo_token_path);
}

} // namespace kore_gateway
