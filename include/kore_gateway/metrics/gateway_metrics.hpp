// The gateway's own metric families, with one method per event so that callers never spell a
// metric name or a label.
#pragma once

#include <string>
#include <string_view>

#include "kore_gateway/metrics/registry.hpp"

namespace kore_gateway {

// Every metric the gateway exports; one instance, owned by the composition root.
class gateway_metrics {
public:
    gateway_metrics();

    // route: a route name such as "catalog_products", or "unmatched"; status: the HTTP status
    // sent, counted by class (2xx...).
    void observe_request(std::string_view route, unsigned status, double seconds);
    // outcome: to_string(upstream_errc): ok, connect_failed, tls_failed, connection_reset,
    // timeout, invalid_response.
    void observe_upstream(std::string_view upstream, std::string_view outcome, double seconds);

    void cache_hit() noexcept { cache_hits_.inc(); }
    void cache_miss() noexcept { cache_misses_.inc(); }
    void cache_stale() noexcept { cache_stale_.inc(); }

    // The shared tier (CONTRACT.md section 13): an L1 miss answered by Redis or not, a Redis
    // command that failed or a value that could not be read, a wait for another replica's fill.
    void l2_hit() noexcept { l2_hits_.inc(); }
    void l2_miss() noexcept { l2_misses_.inc(); }
    void l2_error() noexcept { l2_errors_.inc(); }
    void redis_lock_wait() noexcept { redis_lock_waits_.inc(); }

    void token_request(std::string_view upstream);
    void token_failure(std::string_view upstream);

    // A GET or HEAD sent again on a new connection after its reused one broke (section 15).
    void upstream_retry(std::string_view upstream);
    // A reload (SIGHUP or POST /admin/reload) that took effect, or was refused.
    void config_reload(bool ok);
    // client: a configured API-key id, "jwt" or "anonymous" (CONTRACT.md section 17).
    void client_request(std::string_view client, unsigned status);

    void connection_opened() noexcept { open_connections_.inc(); }
    void connection_closed() noexcept { open_connections_.dec(); }

    // Values owned elsewhere, read at each scrape. Until set, the unlabelled ones read 0.
    void set_upstream_connections_opened(std::string_view upstream, value_callback fn);
    // 1 while the upstream's circuit is open (or half-open), else 0.
    void set_circuit_open(std::string_view upstream, value_callback fn);
    void set_cache_evictions(value_callback fn);
    void set_cache_entries(value_callback fn);
    void set_cache_bytes(value_callback fn);
    void set_cache_waiting(value_callback fn);
    // 1 while Redis is configured and usable (section 13); absent without Redis.
    void set_redis_up(value_callback fn);

    // The exposition for GET /metrics; serve with prometheus_content_type.
    std::string render() const { return registry_.render(); }

private:
    metrics_registry registry_;
    counter_family& http_requests_;
    histogram_family& http_duration_;
    counter_family& upstream_requests_;
    histogram_family& upstream_duration_;
    counter_family& upstream_connections_opened_;
    counter& cache_hits_;
    counter& cache_misses_;
    counter& cache_stale_;
    counter& l2_hits_;
    counter& l2_misses_;
    counter& l2_errors_;
    counter& redis_lock_waits_;
    gauge_family& redis_up_;
    counter_family& cache_evictions_;
    gauge_family& cache_entries_;
    gauge_family& cache_bytes_;
    gauge_family& cache_waiting_;
    counter_family& token_requests_;
    counter_family& token_failures_;
    counter_family& upstream_retries_;
    counter_family& config_reloads_;
    counter_family& client_requests_;
    gauge_family& circuit_open_;
    gauge& open_connections_;
};

// "2xx" for 200..299 and so on; statuses outside 100..599 count as "5xx".
std::string_view status_class(unsigned status) noexcept;

} // namespace kore_gateway
