// The types one client exchange is made of, shared by the server (which reads and writes them)
// and the gateway's request handler (which produces answers).
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "kore_gateway/http/shared_body.hpp"
#include "kore_gateway/net.hpp"

namespace kore_gateway {

using request = http::request<http::string_body>;
using response = http::response<shared_body>;

// What the server knows about a request besides its bytes.
struct request_context {
    std::string client_ip;
    std::chrono::steady_clock::time_point start;
};

// Why the server itself refused a request before it reached the handler.
enum class rejection {
    malformed,       // 400: the bytes are not HTTP/1.1
    headers_too_big, // 431
    body_too_big,    // 413
};

// The answer to one request; completion may be called from any thread, exactly once.
using respond_fn = std::function<void(response)>;

// The seam between the server (bytes, connections, deadlines) and the gateway (routes, CORS,
// upstreams). The server never knows about caches or tokens.
class request_handler {
public:
    virtual ~request_handler() = default;
    virtual void handle(request req, const request_context& ctx, respond_fn done) = 0;
    // An error answer for a request the server could not read in full; header may be null when
    // nothing usable was parsed.
    virtual response reject(rejection why, const http::request_header<>* header,
                            const request_context& ctx) = 0;
};

} // namespace kore_gateway
