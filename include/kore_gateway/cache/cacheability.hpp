// The HTTP rules that decide what the cache may store and when a client's copy is still good.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kore_gateway {

// The argument of the directive name (case-insensitive) in a Cache-Control value (all its lines
// joined with ", "): empty when it has none, unquoted arguments trimmed; nullopt when absent.
// Arguments are stepped over whole: a quoted one may hold commas and other directives' names
// (`no-cache="a, no-store"`).
std::optional<std::string_view> find_cache_directive(std::string_view cache_control,
                                                     std::string_view name);

// True for a 200 whose Cache-Control (all its header lines joined with ", ") has neither the
// `no-store` nor the `private` directive, matched case-insensitively as whole directive names.
bool is_storable(unsigned status, std::string_view cache_control);

// A strong ETag, `"<32 hex digits>"`: the first 16 bytes of the body's SHA-256. Throws
// std::runtime_error only if OpenSSL cannot compute a digest at all.
std::string make_etag(std::string_view body);

// RFC 9110 If-None-Match: `*` or a comma-separated list of entity tags, compared weakly (`W/"x"`
// matches `"x"`). A malformed list or an empty etag never matches, so the full answer is sent.
bool if_none_match_matches(std::string_view if_none_match, std::string_view etag);

} // namespace kore_gateway
