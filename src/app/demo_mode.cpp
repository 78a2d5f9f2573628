#include "kore_gateway/app/demo_mode.hpp"

#include <map>
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

bool has_mock(std::string_view name) {
    return name == "kore" || name == "catalog" || name == "billing";
}

} // namespace

gateway_config with_demo_upstreams(gateway_config config, demo_upstreams& demo) {
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

    if (config.upstream_names.contains("billing")) {
        upstream_config billing;
        billing.name = "billing";
        billing.base_url = must_parse(demo.billing_url());
        billing.api_key = credentials.billing_api_key;
        if (const auto* configured = config.find_upstream("billing")) {
            billing.api_key_header = configured->api_key_header;
        }
        demo.billing().set_api_key_header(billing.api_key_header);
        client_credentials auth{must_parse(demo.billing_token_url()), credentials.billing_client_id,
                                credentials.billing_client_secret, credentials.billing_scope};
        auth.audience = credentials.billing_audience;
        auth.client_auth = client_auth_method::basic;
        billing.auth = std::move(auth);
        config.set_upstream(std::move(billing));
    }
    return config;
}

env_lookup with_demo_identity(env_lookup env, const demo_upstreams& demo) {
    std::map<std::string, std::string, std::less<>> identity{
        {"GATEWAY_JWT_JWKS_URL", demo.jwks_url()},
        {"GATEWAY_JWT_ISSUER", demo.jwt_issuer()},
        {"GATEWAY_JWT_AUDIENCE", std::string(demo_audience)}};
    return [env = std::move(env),
            identity = std::move(identity)](const std::string& name) -> std::optional<std::string> {
        auto value = env(name);
        // The configuration loader, too, takes an empty variable for an unset one.
        if (value && !value->empty()) {
            return value;
        }
        const auto it = identity.find(name);
        return it == identity.end() ? value : std::optional(it->second);
    };
}

std::string demo_startup_line(const gateway_config& config, const demo_upstreams& demo) {
    std::string line = "demo mode: mock upstreams kore " + demo.kore_url() + ", catalog " +
                       demo.catalog_url() + ", token server " + demo.auth_token_url();
    if (config.upstream_names.contains("billing")) {
        line +=
            ", billing " + demo.billing_url() + " (token server " + demo.billing_token_url() + ")";
    }
    line += "; identity provider: JWKS " + demo.jwks_url() + ", demo user token: POST " +
            demo.demo_token_url();
    for (const auto& name : config.upstream_names) {
        if (has_mock(name)) {
            continue;
        }
        const auto* upstream = config.find_upstream(name);
        line += "; upstream '" + name + "' has no mock and stays as configured (" +
                (upstream ? upstream->base_url.origin() + upstream->base_url.path
                          : std::string("no URL: its routes answer 502")) +
                ")";
    }
    return line;
}

} // namespace kore_gateway
