// The status line and fields of a response exactly as Beast's serializer writes them, rendered
// into one reused string. Written as one buffer (with the body), a response spares the serializer's
// walk over a buffer sequence of every field on each write attempt, which profiles named among
// the top costs of both a cache hit and a forward (bench/RESULTS.md, optimisations 3 and 8).
// Only for responses with a Content-Length (or none): a chunked one needs the serializer. (Requests
// to upstreams are rendered by upstream_request.)
#pragma once

#include <string>
#include <string_view>

#include "kore_gateway/net.hpp"

namespace kore_gateway {

// "HTTP/1.1 200 OK\r\n", each field as "Name: value\r\n", "Date: date\r\n" unless date is
// empty, then the empty line; replaces out. The Date line is written here rather than set as a
// field: on every answer, a field would cost an allocation and two lookups of the field list.
void render_header(const http::response_header<>& header, std::string_view date, std::string& out);

} // namespace kore_gateway
