#include "kore_gateway/gateway/upstream_registry.hpp"

namespace kore_gateway {

upstream_registry::upstream_registry(const gateway_config& config, upstream_pools& pools,
                                     gateway_metrics& metrics)
    : config_(config), metrics_(metrics) {
    for (const auto& configured : config.upstreams) {
        upstreams_.emplace(configured.name, make_upstream(configured, pools));
    }
}

upstream_registry::upstream upstream_registry::make_upstream(const upstream_config& config,
                                                             upstream_pools& pools) {
    upstream target;
    target.config = config;
    target.client = pools.client_for(config.base_url, client_options(config_, config.base_url));
    pooled_parts_.insert(target.client.get());
    if (config.auth) {
        const auto& token_url = config.auth->token_url;
        target.tokens =
            pools.provider_for(*config.auth, config.name, client_options(config_, token_url));
        pooled_parts_.insert(target.tokens.get());
        pooled_parts_.insert(pools.client_for(token_url, client_options(config_, token_url)).get());
    }
    auto breaker = pools.breaker_for(config.name, config_.circuit_failures, config_.circuit_open);
    if (breaker) {
        pooled_parts_.insert(breaker.get());
    }
    target.forward = std::make_unique<forwarder>(config, target.client, target.tokens, metrics_,
                                                 std::move(breaker));
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
