// Pieces shared by the configuration loaders (settings, upstreams): the bounds they share, how a
// message names a file key, and the integer range check.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace kore_gateway {

inline constexpr std::int64_t max_timeout_ms = 3600000;
inline constexpr std::int64_t max_pool_size = 4096;

// "key 'upstreams.billing.url'": how every message names a key of the config file.
std::string file_key(std::string_view key);

// Whether v, a JSON integer, lies in [min, max]. The parser stores non-negative numbers as
// unsigned, which may exceed int64, so both representations are compared without overflow.
bool integer_in_range(const nlohmann::json& v, std::int64_t min, std::int64_t max);

} // namespace kore_gateway
