// Helpers for the forwarding, token and upstream fault integration tests, and the fake upstreams
// built with the credentials and TLS identities a test chooses (gateway_options::fakes; the demo's
// fakes are gateway_with_fakes' default).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kore_gateway/config/config.hpp"
#include "kore_gateway/mock/fake_upstreams.hpp"
#include "kore_gateway/mock/test_certificates.hpp"
#include "support/eventually.hpp"
#include "support/running_gateway.hpp"
#include "support/test_client.hpp"

namespace kore_gateway::testing {

// The bearer token of an upstream request, empty without one.
std::string bearer_of(const recorded_request& req);

// A loopback port nothing listens on (bound, then released).
std::uint16_t unused_port();

url must_parse_url(const std::string& text);

// Calls request every interval (a client's steady traffic) until duration has passed.
void keep_sending_for(std::chrono::milliseconds duration, const std::function<void()>& request,
                      std::chrono::milliseconds interval = std::chrono::milliseconds(20));

// The answer of a fake upstream: restores a mock_server's handler after a test replaced it.
template <class Fake> mock_handler answer_as(Fake& fake) {
    return [&fake](const recorded_request& req) { return fake.handle(req); };
}

struct fwd_credentials {
    std::string client_id = "fwd-client";
    std::string client_secret = "fwd-client-secret";
    std::string scope = "pss-api";
    std::string kore_api_key = "fwd-kore-api-key";
    std::string catalog_api_key = "fwd-catalog-api-key";
    // Used only when the catalog has an auth server of its own.
    std::string catalog_client_id = "fwd-catalog-client";
    std::string catalog_client_secret = "fwd-catalog-secret";
    std::string catalog_scope = "catalog-api";
};

struct fwd_options {
    fwd_credentials credentials;
    // Each server's TLS identity; null: the trusted CA's localhost/127.0.0.1 certificate.
    std::shared_ptr<ssl::context> auth_tls;
    std::shared_ptr<ssl::context> kore_tls;
    std::shared_ptr<ssl::context> catalog_tls;
    enum class catalog_token {
        none,            // the catalog checks only its API key
        own,             // an auth server and credentials of its own, whose token it checks
        shared_with_kore // KORE's credentials and token
    };
    catalog_token catalog_auth = catalog_token::none;
};

// A fake auth server, KORE and Catalog, all on 127.0.0.1 over TLS. Declare it before the gateway
// that uses it: the gateway must stop first.
class fwd_fakes {
public:
    explicit fwd_fakes(test_pki trusted = make_test_pki("fwd test CA"), fwd_options options = {});

    // The CA the gateway should trust.
    const test_pki& pki() const { return pki_; }
    const std::string& ca_pem() const { return pki_.ca_pem; }
    const fwd_credentials& credentials() const { return options_.credentials; }

    // base with KORE and Catalog pointed at these fakes.
    gateway_config config(gateway_config base = test_config()) const;

    fake_auth& auth() { return auth_; }
    fake_kore& kore() { return kore_; }
    fake_catalog& catalog() { return catalog_; }
    // Null unless options.catalog_auth is catalog_token::own.
    fake_auth* catalog_auth() { return catalog_auth_.get(); }

private:
    test_pki pki_;
    fwd_options options_;
    std::shared_ptr<ssl::context> trusted_tls_;
    fake_auth auth_;
    std::unique_ptr<fake_auth> catalog_auth_;
    fake_kore kore_;
    fake_catalog catalog_;
};

} // namespace kore_gateway::testing
