#include "kore_gateway/app/demo_mode.hpp"

#include <stdexcept>

namespace kore_gateway {
namespace {

url must_parse(const std::string& text) {
    auto parsed = parse_url(text);
    if (!parsed) {
        throw std::logic_error("demo upstream URL does not parse: " + text);
    }
    return *parsed;
}

} // namespace

gateway_config with_demo_upstreams(gateway_config config, const demo_upstreams& demo) {
    const auto& credentials = demo.credentials();
    upstream_config kore;
    kore.name = "kore";
    kore.base_url = must_parse(demo.kore_url());
    kore.api_key = credentials.kore_api_key;
    kore.auth = client_credentials{must_parse(demo.auth_token_url()), credentials.client_id,
                                   credentials.client_secret, credentials.scope};
    config.set_upstream(std::move(kore));

    upstream_config catalog;
    catalog.name = "catalog";
    catalog.base_url = must_parse(demo.catalog_url());
    catalog.api_key = credentials.catalog_api_key;
    config.set_upstream(std::move(catalog));
    return config;
}

} // namespace kore_gateway
