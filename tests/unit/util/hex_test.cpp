#include "kore_gateway/util/hex.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>

namespace kore_gateway {
namespace {

TEST(hex, every_byte_is_two_lower_case_digits_high_nibble_first) {
    for (unsigned value = 0; value < 256; ++value) {
        const std::array<unsigned char, 1> byte{static_cast<unsigned char>(value)};
        char expected[3];
        std::snprintf(expected, sizeof expected, "%02x", value);
        EXPECT_EQ(hex_lower(byte), expected) << value;
    }
}

TEST(hex, bytes_are_written_in_order_and_nothing_past_the_digits) {
    const std::array<unsigned char, 4> bytes{0x00, 0x0f, 0xf0, 0xff};
    EXPECT_EQ(hex_lower(bytes), "000ff0ff");
    std::string out = "[........]";
    write_hex_lower(std::span(bytes).subspan(1, 2), out.data() + 1);
    EXPECT_EQ(out, "[0ff0....]");
    EXPECT_EQ(hex_lower({}), "");
}

} // namespace
} // namespace kore_gateway
