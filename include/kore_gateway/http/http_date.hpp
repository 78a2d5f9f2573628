// The Date header every answer carries (RFC 9110 section 6.6.1), as an IMF-fixdate.
#pragma once

#include <ctime>
#include <string>
#include <string_view>

namespace kore_gateway {

// "Sun, 06 Nov 1994 08:49:37 GMT".
std::string format_http_date(std::time_t when);

// The current second's date, formatted once per second and per thread rather than per answer;
// valid until the calling thread asks again.
std::string_view http_date_now();

} // namespace kore_gateway
