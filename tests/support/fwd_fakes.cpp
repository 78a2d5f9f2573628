#include "support/fwd_fakes.hpp"

#include <stdexcept>
#include <thread>

namespace kore_gateway::testing {

namespace {

std::shared_ptr<ssl::context> or_default(const std::shared_ptr<ssl::context>& chosen,
                                         const std::shared_ptr<ssl::context>& fallback) {
    return chosen ? chosen : fallback;
}

} // namespace

std::string bearer_of(const recorded_request& req) {
    constexpr std::string_view scheme = "Bearer ";
    const auto value = req.header("authorization");
    return value.starts_with(scheme) ? value.substr(scheme.size()) : std::string();
}

std::uint16_t unused_port() {
    net::io_context ioc;
    tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    return acceptor.local_endpoint().port();
}

url must_parse_url(const std::string& text) {
    auto parsed = parse_url(text);
    if (!parsed) {
        throw std::invalid_argument("not a URL: " + text);
    }
    return *parsed;
}

void keep_sending_for(std::chrono::milliseconds duration, const std::function<void()>& request,
                      std::chrono::milliseconds interval) {
    const auto until = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < until) {
        request();
        std::this_thread::sleep_for(interval);
    }
}

fwd_fakes::fwd_fakes(test_pki trusted, fwd_options options)
    : pki_(std::move(trusted)), options_(std::move(options)),
      trusted_tls_(make_server_tls_context(pki_.server)),
      auth_(options_.credentials.client_id, options_.credentials.client_secret,
            options_.credentials.scope, or_default(options_.auth_tls, trusted_tls_)),
      catalog_auth_(options_.catalog_auth == fwd_options::catalog_token::own
                        ? std::make_unique<fake_auth>(options_.credentials.catalog_client_id,
                                                      options_.credentials.catalog_client_secret,
                                                      options_.credentials.catalog_scope,
                                                      trusted_tls_)
                        : nullptr),
      kore_(options_.credentials.kore_api_key, auth_, or_default(options_.kore_tls, trusted_tls_)),
      catalog_(options_.credentials.catalog_api_key,
               options_.catalog_auth == fwd_options::catalog_token::shared_with_kore
                   ? &auth_
                   : catalog_auth_.get(),
               or_default(options_.catalog_tls, trusted_tls_)) {}

gateway_config fwd_fakes::config(gateway_config base) const {
    const auto& c = options_.credentials;
    upstream_config kore;
    kore.name = "kore";
    kore.base_url = must_parse_url(kore_.base_url());
    kore.api_key = c.kore_api_key;
    kore.auth = client_credentials{must_parse_url(auth_.token_url()), c.client_id, c.client_secret,
                                   c.scope};
    base.set_upstream(std::move(kore));

    upstream_config catalog;
    catalog.name = "catalog";
    catalog.base_url = must_parse_url(catalog_.base_url());
    catalog.api_key = c.catalog_api_key;
    if (catalog_auth_) {
        catalog.auth =
            client_credentials{must_parse_url(catalog_auth_->token_url()), c.catalog_client_id,
                               c.catalog_client_secret, c.catalog_scope};
    } else if (options_.catalog_auth == fwd_options::catalog_token::shared_with_kore) {
        catalog.auth = base.find_upstream("kore")->auth;
    }
    base.set_upstream(std::move(catalog));
    return base;
}

} // namespace kore_gateway::testing
