// Sends one call to one upstream API with the credentials the client never sees (CONTRACT.md
// sections 4, 5 and 11): builds the headers from scratch, adds the API key and the bearer token,
// and on a 401 drops the token, renews it once and retries once (writes too: the upstream refused
// them before acting). Every failure comes back as a class, which the caller maps to an error.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kore_gateway/auth/token_source.hpp"
#include "kore_gateway/config/config.hpp"
#include "kore_gateway/gateway/circuit_breaker.hpp"
#include "kore_gateway/gateway/route_outcome.hpp"
#include "kore_gateway/http/json_error.hpp"
#include "kore_gateway/http/shared_body.hpp"
#include "kore_gateway/metrics/gateway_metrics.hpp"
#include "kore_gateway/upstream/upstream_client.hpp"

namespace kore_gateway {

struct forward_request {
    http::verb method = http::verb::get;
    std::string target;       // path (with the base URL's path) and query
    std::string body;         // sent for POST, PUT and PATCH
    std::string content_type; // the client's JSON media type for a body; empty: application/json
    std::vector<std::pair<std::string, std::string>> headers; // a route's forward_headers
    std::string request_id;
    std::string traceparent;              // W3C trace context (CONTRACT.md section 15)
    std::string tracestate;               // empty: none sent
    std::chrono::milliseconds timeout{0}; // zero: the upstream's
};

// Why no upstream answer can be passed on; each maps to one of CONTRACT section 8's errors.
enum class forward_failure {
    none,
    unavailable,
    timeout,
    invalid_response,
    auth_failed,
    circuit_open, // not sent: the upstream's circuit is open (CONTRACT.md section 15)
};
const error_kind& error_kind_of(forward_failure failure);

// An upstream answer on its way to the client: what the gateway passes on or stores of it.
struct upstream_answer {
    unsigned status = 0;
    std::string content_type;
    std::string cache_control; // decides whether it may be stored
    std::string location;      // Location and Content-Location, as the upstream sent them
    std::string content_location;
    shared_body::value_type body;
};

struct forward_result {
    forward_failure failure = forward_failure::none;
    std::string message; // for the error body when failure != none; never carries a secret
    std::chrono::seconds retry_after{0}; // circuit_open: when a request may be sent again
    std::optional<double> upstream_ms;   // from the first send to the answer; nullopt: not sent
    upstream_answer answer;
};

// The error answer of a failed forward_result (failure != none), Retry-After included.
route_outcome failure_outcome(const forward_result& failed);

class forwarder {
public:
    // tokens may be null: the upstream needs no bearer token; breaker may be null: no circuit.
    forwarder(upstream_config config, std::shared_ptr<upstream_client> client,
              std::shared_ptr<token_source> tokens, gateway_metrics& metrics,
              std::shared_ptr<circuit_breaker> breaker = nullptr);

    // Calls done exactly once, from any thread.
    void forward(forward_request outgoing, std::function<void(forward_result)> done);

private:
    struct attempt;
    void send(const std::shared_ptr<attempt>& a);
    void exchange(const std::shared_ptr<attempt>& a, std::shared_ptr<const token_snapshot> token);
    void on_answer(const std::shared_ptr<attempt>& a, std::shared_ptr<const token_snapshot> token,
                   upstream_result result);
    upstream_request build(const forward_request& outgoing, const token_snapshot* token) const;
    void record(const attempt& a, const upstream_result& result) const;

    const upstream_config config_;
    // The lines every request to this upstream carries, set once rather than on each request.
    upstream_request fixed_lines_;
    std::shared_ptr<upstream_client> client_;
    std::shared_ptr<token_source> tokens_;
    gateway_metrics& metrics_;
    std::shared_ptr<circuit_breaker> breaker_;
};

} // namespace kore_gateway
