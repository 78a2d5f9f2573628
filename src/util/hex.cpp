#include "kore_gateway/util/hex.hpp"

#include <array>
#include <string_view>

namespace kore_gateway {
namespace {

constexpr auto byte_digits = [] {
    constexpr std::string_view digits = "0123456789abcdef";
    std::array<char, 512> table{};
    for (std::size_t byte = 0; byte < 256; ++byte) {
        table[2 * byte] = digits[byte >> 4];
        table[2 * byte + 1] = digits[byte & 0xF];
    }
    return table;
}();

} // namespace

void write_hex_lower(std::span<const unsigned char> bytes, char* out) {
    for (const auto byte : bytes) {
        *out++ = byte_digits[2 * byte];
        *out++ = byte_digits[2 * byte + 1];
    }
}

std::string hex_lower(std::span<const unsigned char> bytes) {
    std::string hex(2 * bytes.size(), '\0');
    write_hex_lower(bytes, hex.data());
    return hex;
}

} // namespace kore_gateway
