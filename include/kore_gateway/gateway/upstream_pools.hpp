// What outlives a configuration reload (CONTRACT.md section 14): one HTTPS client (with its
// connection pool) per origin, one token provider per credential set and one circuit per
// upstream. Each snapshot's
// upstream_registry takes them from here, so a reload that keeps an upstream keeps its warm
// connections and its token, and one that changes a credential set gets a new provider.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "kore_gateway/auth/token_provider.hpp"
#include "kore_gateway/config/config.hpp"
#include "kore_gateway/gateway/circuit_breaker.hpp"
#include "kore_gateway/metrics/gateway_metrics.hpp"
#include "kore_gateway/upstream/per_thread_client.hpp"

namespace kore_gateway {

// The pool limits of origin's client under config. Deadlines are per request; these are the
// pool's own limits. One client per origin, so the first upstream (by name) on an origin sets its
// pool size; an origin of no upstream (a token endpoint, a JWKS) gets the global value.
upstream_client_options client_options(const gateway_config& config, const url& origin);

// Thread-safe; a snapshot's registry calls it while the snapshot is built.
class upstream_pools {
public:
    // threads: one executor per I/O thread (io_context_pool::executors()); token renewal runs on
    // the first. tls: the context every https origin shares. clock: what the circuits, the token
    // providers and the clients' deadlines read. shared_tokens: the Redis the token providers
    // share their tokens through (section 13), or null; it must outlive the pools.
    upstream_pools(std::vector<net::io_context::executor_type> threads,
                   std::shared_ptr<ssl::context> tls, gateway_metrics& metrics, const clock& clock,
                   redis_links* shared_tokens = nullptr);
    ~upstream_pools();
    upstream_pools(const upstream_pools&) = delete;
    upstream_pools& operator=(const upstream_pools&) = delete;

    // The client of origin, made with options on first use (later options are ignored: a pool's
    // size and limits are fixed for its life).
    std::shared_ptr<per_thread_client> client_for(const url& origin,
                                                  const upstream_client_options& options);
    // The provider of this credential set, made (not started) on first use; name labels its
    // metrics. Every field of the set is part of its identity, the secret included (as a
    // digest), so changed credentials get a provider of their own.
    std::shared_ptr<token_provider> provider_for(const client_credentials& credentials,
                                                 const std::string& name,
                                                 const upstream_client_options& options);

    // The circuit of the upstream of that name, kept across reloads while its two settings stay
    // the same; null when failures_to_open is 0 (circuits off).
    std::shared_ptr<circuit_breaker> breaker_for(const std::string& name, unsigned failures_to_open,
                                                 clock::duration open_for);

    // Starts the providers made since the last call: they ask for their first token.
    void start_new_providers();
    // Stops the providers, shuts down the clients (idle connections close, busy ones once they
    // are given back) and forgets the circuits that the last snapshot built no longer uses.
    // Requests in flight on an older snapshot still hold them and finish.
    void retire_all_but(const std::set<const void*>& in_use);
    // Stops every provider and shuts down every client.
    void stop();

private:
    std::shared_ptr<per_thread_client> client_locked(const url& origin,
                                                     const upstream_client_options& options);

    // Reloads (on their own thread) and shutdown (on an I/O thread) may meet here.
    mutable std::mutex mutex_;
    std::vector<net::io_context::executor_type> threads_;
    std::shared_ptr<ssl::context> tls_;
    gateway_metrics& metrics_;
    const clock& clock_;
    redis_links* shared_tokens_;
    std::map<std::string, std::shared_ptr<per_thread_client>> clients_; // by origin
    std::map<std::string, std::shared_ptr<token_provider>> providers_;  // by credential set
    std::vector<std::shared_ptr<token_provider>> unstarted_;
    struct circuit {
        unsigned failures_to_open;
        clock::duration open_for;
        std::shared_ptr<circuit_breaker> breaker;
    };
    std::map<std::string, circuit> circuits_; // by upstream name
};

} // namespace kore_gateway
