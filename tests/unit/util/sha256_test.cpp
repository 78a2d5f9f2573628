#include "kore_gateway/util/sha256.hpp"

#include <string>

#include <gtest/gtest.h>

#include "kore_gateway/util/constant_time.hpp"

namespace kore_gateway {
namespace {

struct sha256_vector {
    std::string input;
    std::string hex;
};

// FIPS 180-4 examples (NIST CSRC "SHA256.pdf") and the empty message.
TEST(sha256, hex_matches_the_published_test_vectors) {
    const sha256_vector cases[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(sha256_hex(c.input), c.hex) << c.input;
    }
}

TEST(sha256, digest_bytes_are_what_the_hex_spells) {
    const auto digest = sha256("abc");
    EXPECT_EQ(digest.front(), 0xba);
    EXPECT_EQ(digest.back(), 0xad);
}

TEST(sha256, embedded_nul_bytes_are_hashed) {
    EXPECT_NE(sha256_hex(std::string("a\0b", 3)), sha256_hex("ab"));
}

TEST(constant_time_equals, compares_content_of_any_length) {
    EXPECT_TRUE(constant_time_equals("secret", "secret"));
    EXPECT_FALSE(constant_time_equals("secret", "secreT"));
    EXPECT_FALSE(constant_time_equals("secret", "secret2"));
    EXPECT_TRUE(constant_time_equals("", ""));
}

} // namespace
} // namespace kore_gateway
