// The application/x-www-form-urlencoded body of an OAuth2 client-credentials token request.
#pragma once

#include <string>
#include <string_view>

#include "kore_gateway/config/config.hpp"

namespace kore_gateway {

// RFC 3986 percent-encoding: unreserved characters (A-Z a-z 0-9 - . _ ~) are kept, every other
// byte becomes %XX with uppercase hex, so a space is %20 and a '+' is %2B.
std::string percent_encode(std::string_view text);

// grant_type=client_credentials&scope=S&client_id=I&client_secret=X, every value encoded; the
// scope parameter is left out when the scope is empty.
std::string make_token_request_body(const client_credentials& credentials);

} // namespace kore_gateway
