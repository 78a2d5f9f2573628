// The named upstreams of the configuration (CONTRACT.md section 10), each with its forwarder:
// one HTTPS client per origin and one token provider per credential set, whoever uses them.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kore_gateway/auth/token_provider.hpp"
#include "kore_gateway/config/config.hpp"
#include "kore_gateway/gateway/forwarder.hpp"
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

    // threads: one executor per I/O thread (io_context_pool::executors()); token renewal runs on
    // the first. extra_ca_pem: trusted for upstream TLS besides the system CAs and config.ca_file.
    upstream_registry(const gateway_config& config,
                      std::vector<net::io_context::executor_type> threads, gateway_metrics& metrics,
                      const clock& clock, const std::string& extra_ca_pem);
    ~upstream_registry();

    // The configured upstream of that name; null when it is not configured (no URL).
    upstream* find(std::string_view name);
    // Asks for the first tokens, so the gateway is ready before the first request.
    void start();
    // Cancels token timers and closes pooled connections.
    void stop();
    // Empty when every configured upstream has a usable token (or needs none), else the reason.
    std::string not_ready_reason() const;

private:
    std::shared_ptr<per_thread_client> client_for(const url& origin);
    std::shared_ptr<token_provider> provider_for(const client_credentials& credentials,
                                                 const std::string& name);
    upstream make_upstream(const upstream_config& config);

    const gateway_config& config_;
    std::vector<net::io_context::executor_type> threads_;
    gateway_metrics& metrics_;
    const clock& clock_;
    std::shared_ptr<ssl::context> tls_;
    std::map<std::string, std::shared_ptr<per_thread_client>> clients_; // by origin
    std::map<std::string, std::shared_ptr<token_provider>> providers_;  // by credential set
    std::map<std::string, upstream, std::less<>> upstreams_;            // by name
};

} // namespace kore_gateway
