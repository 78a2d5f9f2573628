// The seam between the gateway and an upstream origin: one HTTP exchange, asynchronously.
#pragma once

#include <functional>
#include <string_view>

#include "kore_gateway/net.hpp"
#include "kore_gateway/upstream/upstream_request.hpp"

namespace kore_gateway {

using upstream_response = http::response<http::string_body>;

// Why an exchange produced no usable answer. Each maps to one of CONTRACT section 8's errors.
enum class upstream_errc {
    ok,
    connect_failed,   // resolve / connect refused: upstream_unavailable
    tls_failed,       // handshake or certificate verification: upstream_unavailable
    connection_reset, // closed or reset mid-exchange: upstream_unavailable
    timeout,          // whole exchange over the deadline: upstream_timeout
    invalid_response, // unparsable or oversized answer: upstream_invalid_response
};

std::string_view to_string(upstream_errc e);

struct upstream_result {
    upstream_errc error = upstream_errc::ok;
    // Meaningful only when error == ok: status, version, body, and of the header fields only
    // those the gateway reads (is_kept_answer_field in answer_parser.hpp).
    upstream_response response;
    // Sent a second time on a new connection because the reused one broke before any answer
    // byte (a GET or HEAD only, CONTRACT.md section 15).
    bool retried = false;
};

using upstream_callback = std::function<void(upstream_result)>;

class upstream_client {
public:
    virtual ~upstream_client() = default;
    // Sends req (Host and Content-Length are the client's to write) and calls
    // done exactly once, from any thread. The deadline covers the whole exchange.
    virtual void async_exchange(upstream_request req, upstream_callback done) = 0;
};

} // namespace kore_gateway
