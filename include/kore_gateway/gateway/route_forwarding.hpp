// Carries a validated call of a route row to its upstream (CONTRACT.md sections 6, 10 and 11):
// builds the upstream path and query from the row, answers cached GETs (and HEADs) through the
// cached fetch, forwards the rest, and after a successful write drops what it changed.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kore_gateway/cache/cached_fetch.hpp"
#include "kore_gateway/config/config.hpp"
#include "kore_gateway/config/route_table.hpp"
#include "kore_gateway/gateway/upstream_registry.hpp"
#include "kore_gateway/gateway/upstream_routes.hpp"

namespace kore_gateway {

class route_forwarding final : public upstream_routes {
public:
    // routes must outlive this object; so must registry and cache.
    route_forwarding(const gateway_config& config, const route_table& routes,
                     upstream_registry& registry, cached_fetch& cache, const clock& clock);

    void handle(upstream_call&& call, outcome_fn done) override;
    std::string not_ready_reason() const override;
    bool purge_cache(const std::string& route, std::function<void(std::size_t)> done) override;

private:
    route_outcome pass_through(const forward_result& fetched,
                               const upstream_registry::upstream& target) const;
    route_outcome from_entry(const cached_response& entry, std::string_view x_cache,
                             const upstream_call& call) const;
    std::string local_location(std::string_view location,
                               const upstream_registry::upstream& target) const;
    void invalidate_after_write(const upstream_call& call, const std::string& upstream_path);

    const gateway_config& config_;
    const route_table& routes_;
    upstream_registry& registry_;
    cached_fetch& cache_;
    const clock& clock_;
    // The upstream of each row, by the row's index: looked up once, not on every request. Null
    // for an upstream that is not configured.
    std::vector<upstream_registry::upstream*> targets_;
};

} // namespace kore_gateway
