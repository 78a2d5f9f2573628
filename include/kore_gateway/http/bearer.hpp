// The credentials of an `Authorization: Bearer ...` header (RFC 6750 section 2.1), with the
// scheme compared case-insensitively as RFC 9110 section 11.1 asks.
#pragma once

#include <optional>
#include <string_view>

namespace kore_gateway {

// The token after "Bearer" and one or more spaces; nullopt for another scheme or no token.
std::optional<std::string_view> bearer_credentials(std::string_view authorization);

} // namespace kore_gateway
