#include "kore_gateway/metrics/gateway_metrics.hpp"

#include <utility>
#include <vector>

namespace kore_gateway {

namespace {

// From half a millisecond (a cache hit) to ten seconds (the default upstream timeout).
std::vector<double> duration_bounds() {
    return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

value_callback zero() {
    return [] { return 0.0; };
}

} // namespace

std::string_view status_class(unsigned status) noexcept {
    switch (status / 100) {
    case 1:
        return "1xx";
    case 2:
        return "2xx";
    case 3:
        return "3xx";
    case 4:
        return "4xx";
    default:
        return "5xx";
    }
}

gateway_metrics::gateway_metrics()
    : http_requests_(registry_.add_counter("kore_gateway_http_requests_total",
                                           "HTTP requests answered, by route and status class.",
                                           {"route", "code"})),
      http_duration_(registry_.add_histogram(
          "kore_gateway_http_request_duration_seconds",
          "Time from the request's arrival to its response being written, by route.", {"route"},
          duration_bounds())),
      upstream_requests_(registry_.add_counter(
          "kore_gateway_upstream_requests_total",
          "Exchanges with an upstream API, by upstream and outcome.", {"upstream", "outcome"})),
      upstream_duration_(registry_.add_histogram("kore_gateway_upstream_request_duration_seconds",
                                                 "Duration of exchanges with an upstream API.",
                                                 {"upstream"}, duration_bounds())),
      upstream_connections_opened_(registry_.add_counter(
          "kore_gateway_upstream_connections_opened_total",
          "Connections opened to an upstream API (low when kept alive).", {"upstream"})),
      cache_hits_(registry_
                      .add_counter("kore_gateway_cache_hits_total",
                                   "Cacheable requests answered from a fresh cache entry.")
                      .with({})),
      cache_misses_(registry_
                        .add_counter("kore_gateway_cache_misses_total",
                                     "Cacheable requests that had to ask the upstream.")
                        .with({})),
      cache_stale_(registry_
                       .add_counter("kore_gateway_cache_stale_total",
                                    "Requests answered from an expired entry because the "
                                    "upstream failed.")
                       .with({})),
      l2_hits_(registry_
                   .add_counter("kore_gateway_l2_hits_total",
                                "Memory-cache misses answered by the shared tier (Redis).")
                   .with({})),
      l2_misses_(registry_
                     .add_counter("kore_gateway_l2_misses_total",
                                  "Memory-cache misses the shared tier (Redis) could not answer.")
                     .with({})),
      l2_errors_(registry_
                     .add_counter("kore_gateway_l2_errors_total",
                                  "Shared-tier (Redis) commands that failed or timed out, and "
                                  "values that could not be read; each was served as a miss.")
                     .with({})),
      redis_lock_waits_(registry_
                            .add_counter("kore_gateway_redis_lock_waits_total",
                                         "Misses that waited for another replica's fill.")
                            .with({})),
      redis_up_(registry_.add_gauge("kore_gateway_redis_up",
                                    "1 while the shared tier (Redis) is usable, else 0.")),
      cache_evictions_(
          registry_.add_counter("kore_gateway_cache_evictions_total",
                                "Cache entries evicted to stay within the byte bound.")),
      cache_entries_(
          registry_.add_gauge("kore_gateway_cache_entries", "Entries currently in the cache.")),
      cache_bytes_(registry_.add_gauge("kore_gateway_cache_bytes",
                                       "Bytes currently held by the cache, counted against "
                                       "GATEWAY_CACHE_MAX_BYTES.")),
      cache_waiting_(registry_.add_gauge(
          "kore_gateway_cache_waiting_requests",
          "Requests waiting for a cache fill: the one that asked the upstream and those "
          "coalesced behind it.")),
      token_requests_(registry_.add_counter("kore_gateway_token_requests_total",
                                            "OAuth2 token requests sent, by upstream.",
                                            {"upstream"})),
      token_failures_(registry_.add_counter("kore_gateway_token_failures_total",
                                            "OAuth2 token requests that failed, by upstream.",
                                            {"upstream"})),
      upstream_retries_(registry_.add_counter(
          "kore_gateway_upstream_retries_total",
          "GET or HEAD requests sent once more on a new connection after a reused one broke "
          "before any answer byte.",
          {"upstream"})),
      config_reloads_(registry_.add_counter("kore_gateway_config_reloads_total",
                                            "Configuration reloads, by result (ok or error).",
                                            {"result"})),
      client_requests_(registry_.add_counter(
          "kore_gateway_client_requests_total",
          "Requests by authenticated client (an API-key id, jwt or anonymous) and status class.",
          {"client", "code"})),
      circuit_open_(registry_.add_gauge("kore_gateway_circuit_open",
                                        "1 while an upstream's circuit is open, else 0.",
                                        {"upstream"})),
      open_connections_(
          registry_.add_gauge("kore_gateway_open_connections", "Client connections currently open.")
              .with({})) {
    cache_evictions_.set_callback({}, zero());
    cache_entries_.set_callback({}, zero());
    cache_bytes_.set_callback({}, zero());
    cache_waiting_.set_callback({}, zero());
    // Both results show from the start, so a rate over them never lacks a series.
    config_reloads_.with({"ok"});
    config_reloads_.with({"error"});
    registry_
        .add_gauge("kore_gateway_build_info", "The running version; the value is always 1.",
                   {"version"})
        .with({KORE_GATEWAY_VERSION})
        .set(1);
}

void gateway_metrics::observe_request(std::string_view route, unsigned status, double seconds) {
    http_requests_.with({route, status_class(status)}).inc();
    http_duration_.with({route}).observe(seconds);
}

void gateway_metrics::observe_upstream(std::string_view upstream, std::string_view outcome,
                                       double seconds) {
    upstream_requests_.with({upstream, outcome}).inc();
    upstream_duration_.with({upstream}).observe(seconds);
}

void gateway_metrics::token_request(std::string_view upstream) {
    token_requests_.with({upstream}).inc();
}

void gateway_metrics::token_failure(std::string_view upstream) {
    token_failures_.with({upstream}).inc();
}

void gateway_metrics::upstream_retry(std::string_view upstream) {
    upstream_retries_.with({upstream}).inc();
}

void gateway_metrics::config_reload(bool ok) {
    config_reloads_.with({ok ? "ok" : "error"}).inc();
}

void gateway_metrics::client_request(std::string_view client, unsigned status) {
    client_requests_.with({client, status_class(status)}).inc();
}

void gateway_metrics::set_circuit_open(std::string_view upstream, value_callback fn) {
    circuit_open_.set_callback({upstream}, std::move(fn));
}

void gateway_metrics::set_upstream_connections_opened(std::string_view upstream,
                                                      value_callback fn) {
    upstream_connections_opened_.set_callback({upstream}, std::move(fn));
}

void gateway_metrics::set_cache_evictions(value_callback fn) {
    cache_evictions_.set_callback({}, std::move(fn));
}

void gateway_metrics::set_cache_entries(value_callback fn) {
    cache_entries_.set_callback({}, std::move(fn));
}

void gateway_metrics::set_cache_bytes(value_callback fn) {
    cache_bytes_.set_callback({}, std::move(fn));
}

void gateway_metrics::set_cache_waiting(value_callback fn) {
    cache_waiting_.set_callback({}, std::move(fn));
}

void gateway_metrics::set_redis_up(value_callback fn) {
    redis_up_.set_callback({}, std::move(fn));
}

} // namespace kore_gateway
