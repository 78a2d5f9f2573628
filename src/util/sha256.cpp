#include "kore_gateway/util/sha256.hpp"

#include <openssl/sha.h>

#include "kore_gateway/util/hex.hpp"

namespace kore_gateway {

static_assert(SHA256_DIGEST_LENGTH == 32);

std::array<unsigned char, 32> sha256(std::string_view data) {
    std::array<unsigned char, 32> digest{};
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data());
    return digest;
}

std::string sha256_hex(std::string_view data) {
    return hex_lower(sha256(data));
}

} // namespace kore_gateway
