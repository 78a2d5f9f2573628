#include "kore_gateway/util/sha256.hpp"

#include <iterator>

#include <boost/algorithm/hex.hpp>
#include <openssl/sha.h>

namespace kore_gateway {

static_assert(SHA256_DIGEST_LENGTH == 32);

std::array<unsigned char, 32> sha256(std::string_view data) {
    std::array<unsigned char, 32> digest{};
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data());
    return digest;
}

std::string sha256_hex(std::string_view data) {
    const auto digest = sha256(data);
    std::string hex;
    hex.reserve(2 * digest.size());
    boost::algorithm::hex_lower(digest.begin(), digest.end(), std::back_inserter(hex));
    return hex;
}

} // namespace kore_gateway
