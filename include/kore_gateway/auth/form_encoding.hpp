// The encodings of an OAuth2 client-credentials token request: its
// application/x-www-form-urlencoded body and the HTTP Basic client authentication of RFC 6749
// section 2.3.1.
#pragma once

#include <string>
#include <string_view>

#include "kore_gateway/config/config.hpp"

namespace kore_gateway {

// RFC 3986 percent-encoding: unreserved characters (A-Z a-z 0-9 - . _ ~) are kept, every other
// byte becomes %XX with uppercase hex, so a space is %20 and a '+' is %2B.
std::string percent_encode(std::string_view text);

// RFC 6749 appendix B (the HTML form encoding): as percent_encode, except that a space becomes
// '+', as the appendix's example shows.
std::string form_urlencode(std::string_view text);

// grant_type=client_credentials&scope=S&audience=A&resource=R&client_id=I&client_secret=X, every
// value percent-encoded. scope, audience and resource are left out when empty; client_id and
// client_secret when the client authenticates with HTTP Basic instead.
std::string make_token_request_body(const client_credentials& credentials);

// "Basic " + base64(form_urlencode(client_id) ":" form_urlencode(client_secret)): RFC 6749
// section 2.3.1 encodes id and secret before RFC 7617 joins and base64-encodes them, so that a
// ':' in the id survives.
std::string basic_authorization(const client_credentials& credentials);

} // namespace kore_gateway
