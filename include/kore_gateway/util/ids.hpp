// Identifiers handed to clients: request ids and error ids.
#pragma once

#include <string>
#include <string_view>

namespace kore_gateway {

// 32 lower-case hex digits from a per-thread CSPRNG-seeded generator: unique, unguessable enough
// for correlation, and cheap on the request path.
std::string random_id();

// A client-supplied X-Request-Id is reused only if it is 1-128 characters of [A-Za-z0-9._:-],
// so it can go into logs and upstream headers as it is.
bool is_valid_request_id(std::string_view id);

} // namespace kore_gateway
