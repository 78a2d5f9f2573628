#include "kore_gateway/util/constant_time.hpp"

#include <array>

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace kore_gateway {

bool constant_time_equals(std::string_view a, std::string_view b) {
    std::array<unsigned char, SHA256_DIGEST_LENGTH> digest_a{};
    std::array<unsigned char, SHA256_DIGEST_LENGTH> digest_b{};
    SHA256(reinterpret_cast<const unsigned char*>(a.data()), a.size(), digest_a.data());
    SHA256(reinterpret_cast<const unsigned char*>(b.data()), b.size(), digest_b.data());
    return CRYPTO_memcmp(digest_a.data(), digest_b.data(), digest_a.size()) == 0;
}

} // namespace kore_gateway
