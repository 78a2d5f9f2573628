// Pieces shared by the configuration loaders (settings, upstreams, clients, routes): the bounds
// they share, how a message names a file key, range and URL checks and the client-auth syntax.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "kore_gateway/config/config.hpp"

namespace kore_gateway {

inline constexpr std::int64_t max_timeout_ms = 3600000;
inline constexpr std::int64_t max_pool_size = 4096;

// "key 'upstreams.billing.url'": how every message names a key of the config file.
std::string file_key(std::string_view key);

// Whether v, a JSON integer, lies in [min, max]. The parser stores non-negative numbers as
// unsigned, which may exceed int64, so both representations are compared without overflow.
bool integer_in_range(const nlohmann::json& v, std::int64_t min, std::int64_t max);

// value as a URL the gateway connects to (CONTRACT.md section 2): https, or http only with
// allow_insecure. where names its key or variable; what says whose URL it is ("upstream").
url checked_config_url(const std::string& value, const std::string& where, bool allow_insecure,
                       std::string_view what);

// What parse_client_auth_mode accepts, for messages: "'x' is not <client_auth_syntax>".
inline constexpr std::string_view client_auth_syntax = "one of none, api_key, jwt, api_key,jwt";

// GATEWAY_CLIENT_AUTH and the client_auth of the file and of a route (CONTRACT.md section 17):
// "none", or "api_key" and/or "jwt" comma-separated in any order, spaces around each allowed.
std::optional<client_auth_mode> parse_client_auth_mode(std::string_view text);

// An RFC 6749 section 3.3 scope-token: 1*( %x21 / %x23-5B / %x5D-7E ).
bool is_scope_token(std::string_view text);

} // namespace kore_gateway
