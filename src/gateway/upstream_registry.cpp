#include "kore_gateway/gateway/upstream_registry.hpp"

#include <algorithm>

#include "kore_gateway/upstream/tls_context.hpp"

namespace kore_gateway {

upstream_registry::upstream_registry(const gateway_config& config,
                                     std::vector<net::io_context::executor_type> threads,
                                     gateway_metrics& metrics, const clock& clock,
                                     const std::string& extra_ca_pem)
    : config_(config), threads_(std::move(threads)), metrics_(metrics), clock_(clock),
      tls_(make_client_tls_context(config.ca_file, extra_ca_pem)) {
    for (const auto& configured : config.upstreams) {
        upstreams_.emplace(configured.name, make_upstream(configured));
    }
}

upstream_registry::~upstream_registry() {
    stop();
}

std::shared_ptr<per_thread_client> upstream_registry::client_for(const url& origin) {
    auto& client = clients_[origin.origin()];
    if (!client) {
        // One client per origin, so the first upstream (by name) on this origin sets its pool
        // size; a token endpoint on an origin of its own gets the global value. Deadlines are
        // per request (forward_request::timeout).
        const auto& all = config_.upstreams;
        const auto owner = std::find_if(all.begin(), all.end(), [&](const upstream_config& up) {
            return up.base_url.origin() == origin.origin();
        });
        upstream_client_options options;
        options.max_connections = owner != all.end()
                                      ? owner->pool_size.value_or(config_.upstream_pool_size)
                                      : config_.upstream_pool_size;
        options.timeout = config_.upstream_timeout;
        options.max_response_bytes = config_.upstream_max_response_bytes;
        client = std::make_shared<per_thread_client>(threads_, origin,
                                                     origin.is_tls() ? tls_ : nullptr, options);
    }
    return client;
}

std::shared_ptr<token_provider>
upstream_registry::provider_for(const client_credentials& credentials, const std::string& name) {
    // One token per credential set: two upstreams sharing a client share its token. Every
    // parameter of the token request is part of the set, since any of them may change the token.
    const auto key = credentials.token_url.origin() + credentials.token_url.path + '\n' +
                     credentials.client_id + '\n' + credentials.scope + '\n' +
                     credentials.audience + '\n' + credentials.resource + '\n' +
                     (credentials.client_auth == client_auth_method::basic ? "basic" : "body");
    auto& provider = providers_[key];
    if (!provider) {
        token_observers observers{[this, name] { metrics_.token_request(name); },
                                  [this, name] { metrics_.token_failure(name); }};
        provider = token_provider::create(threads_.front(), client_for(credentials.token_url),
                                          credentials, clock_, name, std::move(observers));
    }
    return provider;
}

upstream_registry::upstream upstream_registry::make_upstream(const upstream_config& config) {
    upstream target;
    target.config = config;
    target.client = client_for(config.base_url);
    if (config.auth) {
        target.tokens = provider_for(*config.auth, config.name);
    }
    target.forward = std::make_unique<forwarder>(config, target.client, target.tokens, metrics_);
    // Weak: the metrics outlive the io_context, and a client must not (its sockets and timers
    // belong to that io_context).
    metrics_.set_upstream_connections_opened(
        config.name, [weak_client = std::weak_ptr<per_thread_client>(target.client)] {
            const auto client = weak_client.lock();
            return client ? static_cast<double>(client->snapshot().connections_opened) : 0.0;
        });
    return target;
}

upstream_registry::upstream* upstream_registry::find(std::string_view name) {
    const auto it = upstreams_.find(name);
    return it == upstreams_.end() ? nullptr : &it->second;
}

void upstream_registry::start() {
    for (const auto& [key, provider] : providers_) {
        provider->start();
    }
}

void upstream_registry::stop() {
    for (const auto& [key, provider] : providers_) {
        provider->stop();
    }
    for (const auto& [origin, client] : clients_) {
        client->shutdown();
    }
}

std::string upstream_registry::not_ready_reason() const {
    if (upstreams_.empty()) {
        return "no upstream is configured";
    }
    std::string reason;
    for (const auto& [name, target] : upstreams_) {
        if (target.tokens && !target.tokens->has_usable_token()) {
            reason += (reason.empty() ? "" : "; ") + name + ": " + target.tokens->status();
        }
    }
    return reason;
}

} // namespace kore_gateway
