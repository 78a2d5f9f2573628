#include "kore_gateway/app/restart_settings.hpp"

namespace kore_gateway {
namespace {

template <class T>
void keep(const char* name, const T& running, T& next, std::vector<std::string>& changed) {
    if (!(running == next)) {
        changed.emplace_back(name);
        next = running;
    }
}

} // namespace

std::vector<std::string> keep_restart_settings(const gateway_config& running,
                                               gateway_config& next) {
    std::vector<std::string> changed;
    keep("listen_address", running.listen_address, next.listen_address, changed);
    keep("port", running.port, next.port, changed);
    keep("threads", running.threads, next.threads, changed);
    keep("cpu_affinity", running.cpu_affinity, next.cpu_affinity, changed);
    keep("max_connections", running.max_connections, next.max_connections, changed);
    keep("max_body_bytes", running.max_body_bytes, next.max_body_bytes, changed);
    keep("max_header_bytes", running.max_header_bytes, next.max_header_bytes, changed);
    keep("request_read_timeout_ms", running.request_read_timeout, next.request_read_timeout,
         changed);
    keep("idle_timeout_ms", running.idle_timeout, next.idle_timeout, changed);
    keep("drain_timeout_ms", running.drain_timeout, next.drain_timeout, changed);
    keep("ca_file", running.ca_file, next.ca_file, changed);
    keep("upstream_pool_size", running.upstream_pool_size, next.upstream_pool_size, changed);
    keep("upstream_max_response_bytes", running.upstream_max_response_bytes,
         next.upstream_max_response_bytes, changed);
    keep("stale_if_error_s", running.stale_if_error, next.stale_if_error, changed);
    keep("cache_max_bytes", running.cache_max_bytes, next.cache_max_bytes, changed);
    keep("log_format", running.log_format, next.log_format, changed);
    keep("redis_url", running.redis_url, next.redis_url, changed);
    keep("redis_password", running.redis_password, next.redis_password, changed);
    keep("redis_timeout_ms", running.redis_timeout, next.redis_timeout, changed);
    keep("redis_key_prefix", running.redis_key_prefix, next.redis_key_prefix, changed);
    return changed;
}

} // namespace kore_gateway
