// The named upstreams of one configuration snapshot (CONTRACT.md section 10), each with its
// forwarder: HTTPS clients and token providers come from the long-lived upstream_pools, so that a
// reload keeps what did not change.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "kore_gateway/auth/token_provider.hpp"
#include "kore_gateway/config/config.hpp"
#include "kore_gateway/gateway/forwarder.hpp"
#include "kore_gateway/gateway/upstream_pools.hpp"
#include "kore_gateway/metrics/gateway_metrics.hpp"
#include "kore_gateway/upstream/per_thread_client.hpp"

namespace kore_gateway {

class upstream_registry {
public:
    struct upstream {
        upstream_config config;
        std::shared_ptr<per_thread_client> client;
        std::shared_ptr<token_provider> tokens; // null: no bearer token
        std::unique_ptr<forwarder> forward;
    };

    upstream_registry(const gateway_config& config, upstream_pools& pools,
                      gateway_metrics& metrics);

    // The configured upstream of that name; null when it is not configured (no URL).
    upstream* find(std::string_view name);
    // Empty when every configured upstream has a usable token (or needs none), else the reason.
    std::string not_ready_reason() const;
    // The clients and providers this registry uses, for upstream_pools::retire_all_but.
    const std::set<const void*>& pooled_parts() const { return pooled_parts_; }

private:
    upstream make_upstream(const upstream_config& config, upstream_pools& pools);

    const gateway_config& config_;
    gateway_metrics& metrics_;
    std::map<std::string, upstream, std::less<>> upstreams_; // by name
    std::set<const void*> pooled_parts_;
};

} // namespace kore_gateway
