// The types one client exchange is made of, shared by the server (which reads and writes them)
// and the gateway's request handler (which produces answers).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "kore_gateway/http/shared_body.hpp"
#include "kore_gateway/net.hpp"

namespace kore_gateway {

using request = http::request<http::string_body>;
using response = http::response<shared_body>;

// What the server knows about a request besides its bytes.
struct request_context {
    std::string client_ip;
    std::chrono::steady_clock::time_point start;
    // For a refusal of a header that could not be parsed: its Origin, read from the raw bytes,
    // so that the answer still carries CORS headers. Valid during the reject call only.
    std::string_view unparsed_origin{};
};

// Why the server itself refused a request before it reached the handler. Each of them closes
// the connection: where the request ends can no longer be trusted.
enum class rejection {
    malformed,       // 400: the bytes are not HTTP/1.1
    bad_header,      // 400: framing or Host in doubt (check_request_header); detail says why
    not_implemented, // 501: a transfer coding the gateway does not implement; detail says which
    headers_too_big, // 431
    body_too_big,    // 413
};

// The answer to one request; completion may be called from any thread, exactly once.
using respond_fn = std::function<void(response&&)>;

// The seam between the server (bytes, connections, deadlines) and the gateway (routes, CORS,
// upstreams). The server never knows about caches or tokens.
class request_handler {
public:
    virtual ~request_handler() = default;
    virtual void handle(request req, const request_context& ctx, respond_fn done) = 0;
    // An error answer for a request the server could not read in full; header may be null when
    // nothing usable was parsed. detail, when not empty, is the message for the client.
    virtual response reject(rejection why, std::string_view detail,
                            const http::request_header<>* header, const request_context& ctx) = 0;
    // The final answer to a request that expects "100 Continue", when its header alone already
    // decides it (unknown path, method not allowed, ...): the body is then never read. nullopt
    // lets the body come.
    virtual std::optional<response> answer_before_body(const http::request_header<>& header,
                                                       const request_context& ctx) = 0;
};

} // namespace kore_gateway
