// The status line and fields of a response exactly as Beast's serializer writes them, rendered
// into one reused string. Written as one buffer (with the body), a response spares the serializer's
// walk over a buffer sequence of every field on each write attempt, which profiles named among
// the top costs of both a cache hit and a forward (bench/RESULTS.md, optimisations 3 and 8).
// Only for responses with a Content-Length (or none): a chunked one needs the serializer. (Requests
// to upstreams are rendered by upstream_request.)
#pragma once

#include <string>

#include "kore_gateway/net.hpp"

namespace kore_gateway {

// "HTTP/1.1 200 OK\r\n", each field as "Name: value\r\n", then the empty line; replaces out.
void render_header(const http::response_header<>& header, std::string& out);

} // namespace kore_gateway
