// Sends one call to one upstream API with the credentials the client never sees (CONTRACT.md
// section 4): builds the headers from scratch, adds the bearer token, and on a 401 drops the
// token, renews it once and retries once. Maps every failure to the contract's 502/504 errors.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "kore_gateway/auth/token_source.hpp"
#include "kore_gateway/config/config.hpp"
#include "kore_gateway/http/json_error.hpp"
#include "kore_gateway/metrics/gateway_metrics.hpp"
#include "kore_gateway/upstream/upstream_client.hpp"

namespace kore_gateway {

struct forward_request {
    http::verb method = http::verb::get;
    std::string target; // path (with the base URL's path) and query
    std::string body;   // JSON, for POST
    std::string request_id;
};

// Either an upstream answer to pass through (error == nullptr) or one of our errors.
struct forward_result {
    const error_kind* error = nullptr;
    std::string message; // for the error body; never carries a secret
    unsigned status = 0;
    std::string content_type;
    std::string cache_control;
    std::string body;
};

class forwarder {
public:
    // tokens may be null: the upstream needs no bearer token.
    forwarder(upstream_config config, std::shared_ptr<upstream_client> client,
              std::shared_ptr<token_source> tokens, gateway_metrics& metrics);

    // Calls done exactly once, from any thread.
    void forward(forward_request outgoing, std::function<void(forward_result)> done);

private:
    struct attempt;
    void send(const std::shared_ptr<attempt>& a);
    void exchange(const std::shared_ptr<attempt>& a, std::shared_ptr<const token_snapshot> token);
    void on_answer(const std::shared_ptr<attempt>& a, std::shared_ptr<const token_snapshot> token,
                   upstream_result result);
    upstream_request build(const forward_request& outgoing, const token_snapshot* token) const;

    const upstream_config config_;
    // The lines every request to this upstream carries, set once rather than on each request.
    upstream_request fixed_lines_;
    std::shared_ptr<upstream_client> client_;
    std::shared_ptr<token_source> tokens_;
    gateway_metrics& metrics_;
};

} // namespace kore_gateway
