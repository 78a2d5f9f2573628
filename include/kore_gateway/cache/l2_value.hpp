// The shared (L2, Redis) form of a cached answer: one binary value that every replica can decode.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "kore_gateway/cache/response_cache.hpp"
#include "kore_gateway/util/clock.hpp"
#include "kore_gateway/util/clock_reading.hpp"

namespace kore_gateway {

// Bounds a decoded value must keep besides the caller's body bound. The text fields come from a
// request target or an upstream header, which the gateway caps far lower (max_header_bytes is at
// most 1 MiB), so only a foreign or corrupt value exceeds them.
inline constexpr std::size_t l2_max_text_bytes = 1 << 20; // content type, ETag, each tag
inline constexpr std::size_t l2_max_params = 4096;

// The value of entry. Redis is read by processes with other steady clocks, so each time point is
// written as a wall-clock instant (now.to_unix_ms). A null body is written as an empty one.
std::string encode_l2_value(const cached_response& entry, const clock_reading& now);

// The entry a value holds, its steady time points keeping the remaining lifetimes:
// expires_at = now.steady + (expires - now.wall), likewise stored_at and stale_until.
// nullopt (a miss) for anything but one whole, well-formed value of this format version with a
// body of at most max_body_bytes (upstream_max_response_bytes), and for an entry whose stale
// window has already ended.
std::optional<cached_response> decode_l2_value(std::string_view value, std::size_t max_body_bytes,
                                               const clock_reading& now);

// The Redis expiry (SET ... PX) of entry: the time until its stale window ends, rounded up and
// at least 1 ms, since Redis refuses a PX that is not positive.
std::chrono::milliseconds l2_expiry(const cached_response& entry, clock::time_point steady_now);

} // namespace kore_gateway
