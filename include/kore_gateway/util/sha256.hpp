// SHA-256 (FIPS 180-4) through OpenSSL: API-key hashes and the constant-time comparison.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace kore_gateway {

std::array<unsigned char, 32> sha256(std::string_view data);

// The digest as 64 lower-case hex digits: how "clients" entries write key_sha256.
std::string sha256_hex(std::string_view data);

} // namespace kore_gateway
