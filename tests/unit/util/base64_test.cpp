#include "kore_gateway/util/base64.hpp"

#include <gtest/gtest.h>

namespace kore_gateway {
namespace {

struct base64_vector {
    std::string bytes;
    std::string base64;
    std::string base64url;
};

// RFC 4648 section 10, plus bytes whose encodings differ between the two alphabets.
const base64_vector vectors[] = {
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
    {"\xfb\xff\xbf", "+/+/", "-_-_"},
    {std::string("\0\x01\xfe", 3), "AAH+", "AAH-"},
};

TEST(base64, encodes_and_decodes_the_rfc_4648_vectors) {
    for (const auto& v : vectors) {
        EXPECT_EQ(base64_encode(v.bytes), v.base64);
        EXPECT_EQ(base64_decode(v.base64), v.bytes) << v.base64;
        EXPECT_EQ(base64url_encode(v.bytes), v.base64url);
        EXPECT_EQ(base64url_decode(v.base64url), v.bytes) << v.base64url;
    }
}

TEST(base64, round_trips_every_byte_value_at_every_length_remainder) {
    std::string all;
    for (int i = 0; i < 256; ++i) {
        all += static_cast<char>(i);
    }
    for (std::size_t length = 253; length <= 256; ++length) {
        const auto bytes = all.substr(0, length);
        EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes);
        EXPECT_EQ(base64url_decode(base64url_encode(bytes)), bytes);
    }
}

TEST(base64, padded_decoding_refuses_what_is_not_canonical_padded_base64) {
    for (const char* bad : {"Zg", "Zg=", "Zm8", "Zg===", "Z===", "====", "Zg==Zg==", "Z=g=",
                            "Zm9v\n", " Zm9v", "Zm9v YmFy", "Zh==", "Zm9=", "-_-_", "Zm*v"}) {
        EXPECT_FALSE(base64_decode(bad)) << bad;
    }
}

TEST(base64url, decoding_refuses_padding_other_alphabets_and_impossible_lengths) {
    for (const char* bad : {"Zg==", "Zm8=", "+/+/", "Zm9v\n", "Zm 9v", "Z", "Zm9vY", "Zh", "Zm9",
                            "Zm9v.", "Zm9v%3D"}) {
        EXPECT_FALSE(base64url_decode(bad)) << bad;
    }
}

} // namespace
} // namespace kore_gateway
