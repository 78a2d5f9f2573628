#include "kore_gateway/gateway/upstream_pools.hpp"

#include <algorithm>

#include "kore_gateway/util/sha256.hpp"

namespace kore_gateway {

upstream_client_options client_options(const gateway_config& config, const url& origin) {
    const auto& all = config.upstreams;
    const auto owner = std::find_if(all.begin(), all.end(), [&](const upstream_config& up) {
        return up.base_url.origin() == origin.origin();
    });
    upstream_client_options options;
    options.max_connections = owner != all.end()
                                  ? owner->pool_size.value_or(config.upstream_pool_size)
                                  : config.upstream_pool_size;
    options.timeout = config.upstream_timeout;
    options.max_response_bytes = config.upstream_max_response_bytes;
    return options;
}

upstream_pools::upstream_pools(std::vector<net::io_context::executor_type> threads,
                               std::shared_ptr<ssl::context> tls, gateway_metrics& metrics,
                               const clock& clock, redis_links* shared_tokens)
    : threads_(std::move(threads)), tls_(std::move(tls)), metrics_(metrics), clock_(clock),
      shared_tokens_(shared_tokens) {}

upstream_pools::~upstream_pools() {
    stop();
}

std::shared_ptr<per_thread_client>
upstream_pools::client_for(const url& origin, const upstream_client_options& options) {
    const std::lock_guard lock(mutex_);
    return client_locked(origin, options);
}

std::shared_ptr<per_thread_client>
upstream_pools::client_locked(const url& origin, const upstream_client_options& options) {
    auto& client = clients_[origin.origin()];
    if (!client) {
        client = std::make_shared<per_thread_client>(
            threads_, origin, origin.is_tls() ? tls_ : nullptr, options, clock_);
    }
    return client;
}

std::shared_ptr<token_provider>
upstream_pools::provider_for(const client_credentials& credentials, const std::string& name,
                             const upstream_client_options& options) {
    // One token per credential set: two upstreams sharing a client share its token. Every
    // parameter of the token request is part of the set, since any of them may change the token.
    const auto key = credentials.token_url.origin() + credentials.token_url.path + '\n' +
                     credentials.client_id + '\n' + sha256_hex(credentials.client_secret) + '\n' +
                     credentials.scope + '\n' + credentials.audience + '\n' + credentials.resource +
                     '\n' +
                     (credentials.client_auth == client_auth_method::basic ? "basic" : "body");
    const std::lock_guard lock(mutex_);
    auto& provider = providers_[key];
    if (!provider) {
        token_observers observers{[this, name] { metrics_.token_request(name); },
                                  [this, name] { metrics_.token_failure(name); }};
        auto shared =
            shared_tokens_ != nullptr
                ? std::make_shared<shared_token_store>(*shared_tokens_, credentials, clock_)
                : nullptr;
        provider = token_provider::create(
            threads_.front(), client_locked(credentials.token_url, options), credentials, clock_,
            name, std::move(observers), std::move(shared), options.timeout);
        unstarted_.push_back(provider);
    }
    return provider;
}

std::shared_ptr<circuit_breaker> upstream_pools::breaker_for(const std::string& name,
                                                             unsigned failures_to_open,
                                                             clock::duration open_for) {
    if (failures_to_open == 0) {
        return nullptr;
    }
    const std::lock_guard lock(mutex_);
    auto& kept = circuits_[name];
    if (!kept.breaker || kept.failures_to_open != failures_to_open || kept.open_for != open_for) {
        kept = {failures_to_open, open_for,
                std::make_shared<circuit_breaker>(failures_to_open, open_for, clock_)};
        metrics_.set_circuit_open(name, [weak = std::weak_ptr(kept.breaker)] {
            const auto breaker = weak.lock();
            return breaker && breaker->is_open() ? 1.0 : 0.0;
        });
    }
    return kept.breaker;
}

void upstream_pools::start_new_providers() {
    const std::lock_guard lock(mutex_);
    for (const auto& provider : unstarted_) {
        provider->start();
    }
    unstarted_.clear();
}

void upstream_pools::retire_all_but(const std::set<const void*>& in_use) {
    const std::lock_guard lock(mutex_);
    std::erase_if(providers_, [&](const auto& entry) {
        if (in_use.contains(entry.second.get())) {
            return false;
        }
        entry.second->stop();
        return true;
    });
    std::erase_if(circuits_, [&](const auto& entry) {
        if (in_use.contains(entry.second.breaker.get())) {
            return false;
        }
        metrics_.set_circuit_open(entry.first, [] { return 0.0; });
        return true;
    });
    std::erase_if(clients_, [&](const auto& entry) {
        if (in_use.contains(entry.second.get())) {
            return false;
        }
        entry.second->shutdown();
        return true;
    });
}

void upstream_pools::stop() {
    const std::lock_guard lock(mutex_);
    for (const auto& [key, provider] : providers_) {
        provider->stop();
    }
    for (const auto& [origin, client] : clients_) {
        client->shutdown();
    }
}

} // namespace kore_gateway
