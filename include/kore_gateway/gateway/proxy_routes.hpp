// The four upstream routes: maps each to its upstream URL, serves catalog (and optionally deal)
// reads from the response cache with one upstream fetch per key, and forwards the rest.
// Owns the upstream clients, token providers and the cache.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kore_gateway/auth/token_provider.hpp"
#include "kore_gateway/cache/coalescer.hpp"
#include "kore_gateway/cache/response_cache.hpp"
#include "kore_gateway/config/config.hpp"
#include "kore_gateway/gateway/upstream_routes.hpp"
#include "kore_gateway/metrics/gateway_metrics.hpp"
#include "kore_gateway/upstream/forwarder.hpp"
#include "kore_gateway/upstream/per_thread_client.hpp"

namespace kore_gateway {

class proxy_routes final : public upstream_routes {
public:
    // threads: one executor per I/O thread (io_context_pool::executors()); token renewal runs on
    // the first. extra_ca_pem: trusted for upstream TLS besides the system CAs and config.ca_file.
    proxy_routes(const gateway_config& config, std::vector<net::io_context::executor_type> threads,
                 gateway_metrics& metrics, const clock& clock, const std::string& extra_ca_pem);
    ~proxy_routes() override;

    // Asks for the first tokens, so the gateway is ready before the first outgoing.
    void start();
    // Cancels token timers and closes pooled connections.
    void stop();

    void handle(upstream_call call, outcome_fn done) override;
    std::string not_ready_reason() const override;
    std::size_t purge_cache() override;

private:
    // One configured upstream API.
    struct upstream {
        upstream_config config;
        std::shared_ptr<per_thread_client> client;
        std::shared_ptr<token_provider> tokens; // null: no bearer token
        std::unique_ptr<forwarder> forward;
    };
    // What one upstream fetch produced, shared by every outgoing waiting for it.
    struct fetched {
        forward_result answer;                        // when nothing was stored (body moved out)
        shared_body::value_type body;                 // answer's body, shared by the waiters
        std::shared_ptr<const cached_response> entry; // when the answer was stored
    };

    std::optional<upstream> make_upstream(const std::optional<upstream_config>& config);
    std::shared_ptr<token_provider> provider_for(const client_credentials& credentials,
                                                 const std::string& name);
    std::shared_ptr<per_thread_client> client_for(const url& origin);
    void fetch_cached(upstream& target, forward_request outgoing, std::string key,
                      std::chrono::seconds ttl, upstream_call call, outcome_fn done);
    route_outcome from_fetch(const fetched& result, const std::string& key,
                             const upstream_call& call);
    route_outcome from_entry(const cached_response& entry, std::string_view x_cache,
                             const upstream_call& call) const;

    const gateway_config& config_;
    std::vector<net::io_context::executor_type> threads_;
    gateway_metrics& metrics_;
    const clock& clock_;
    std::shared_ptr<ssl::context> tls_;
    // One client per origin and one token provider per credential set, whoever uses them.
    std::map<std::string, std::shared_ptr<per_thread_client>> clients_;
    std::map<std::string, std::shared_ptr<token_provider>> providers_;
    std::optional<upstream> kore_;
    std::optional<upstream> catalog_;
    response_cache cache_;
    coalescer<fetched> flights_;
};

} // namespace kore_gateway
