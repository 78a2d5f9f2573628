// Bytes as lower-case hex: request ids, ETags and key digests all spell bytes this way.
#pragma once

#include <cstddef>
#include <span>
#include <string>

namespace kore_gateway {

// Writes 2 * bytes.size() digits at out, two per byte from one table (a digit at a time was ~180
// instructions more per cache hit, which draws one request id).
void write_hex_lower(std::span<const unsigned char> bytes, char* out);

std::string hex_lower(std::span<const unsigned char> bytes);

} // namespace kore_gateway
