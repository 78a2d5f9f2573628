// The fake auth, KORE, Catalog and billing upstreams of `kore-gateway --demo`, over TLS with a CA
// made for the run, the identity provider of the demo's client JWTs, and the credentials and URLs
// to point the gateway at them.
#pragma once

#include <string>

#include "kore_gateway/mock/fake_billing.hpp"
#include "kore_gateway/mock/fake_upstreams.hpp"
#include "kore_gateway/mock/test_certificates.hpp"

namespace kore_gateway {

// What the gateway must be configured with to use the demo upstreams.
struct demo_credentials {
    std::string client_id;
    std::string client_secret;
    std::string scope;
    std::string kore_api_key;
    std::string catalog_api_key; // the demo catalog needs this key and no token
    // The billing API has a token server of its own, which wants HTTP Basic client
    // authentication and an audience (config/examples/third-upstream-basic-auth.json).
    std::string billing_api_key;
    std::string billing_api_key_header; // until with_demo_upstreams sets the configured one
    std::string billing_client_id;
    std::string billing_client_secret;
    std::string billing_scope;
    std::string billing_audience;
};

class demo_upstreams {
public:
    // Starts the six servers on 127.0.0.1 ephemeral ports at once.
    demo_upstreams();

    // The CA to trust (GATEWAY_CA_FILE) for the servers' certificates.
    const std::string& ca_pem() const { return pki_.ca_pem; }
    // KORE_AUTH_URL
    std::string auth_token_url() const { return auth_.token_url(); }
    // KORE_API_URL
    std::string kore_url() const { return kore_.base_url(); }
    // CATALOG_API_URL
    std::string catalog_url() const { return catalog_.base_url(); }
    // BILLING_API_URL and BILLING_AUTH_URL
    std::string billing_url() const { return billing_.base_url(); }
    std::string billing_token_url() const { return billing_auth_.token_url(); }
    const demo_credentials& credentials() const { return credentials_; }
    // GATEWAY_JWT_JWKS_URL and GATEWAY_JWT_ISSUER: the token server is the identity provider too
    // (its tokens' audience is demo_audience).
    std::string jwks_url() const { return auth_.jwks_url(); }
    std::string jwt_issuer() const { return auth_.issuer(); }
    // Where a browser gets a demo user's token (POST): the token server's demo token endpoint on
    // a plain-HTTP loopback listener of its own, since no browser trusts the run's CA.
    std::string demo_token_url() const;

    fake_auth& auth() { return auth_; }
    fake_kore& kore() { return kore_; }
    fake_catalog& catalog() { return catalog_; }
    // A token server of its own: one fake_auth has one client and one way to authenticate it,
    // and KORE's wants the credentials in the form.
    fake_auth& billing_auth() { return billing_auth_; }
    fake_billing& billing() { return billing_; }

private:
    demo_credentials credentials_;
    test_pki pki_;
    std::shared_ptr<ssl::context> tls_;
    fake_auth auth_;
    fake_kore kore_;
    fake_catalog catalog_;
    fake_auth billing_auth_;
    fake_billing billing_;
    mock_server browser_auth_; // after auth_: its thread calls auth_
};

} // namespace kore_gateway
