#include "kore_gateway/util/constant_time.hpp"

#include <openssl/crypto.h>

#include "kore_gateway/util/sha256.hpp"

namespace kore_gateway {

bool constant_time_equals(std::string_view a, std::string_view b) {
    const auto digest_a = sha256(a);
    const auto digest_b = sha256(b);
    return CRYPTO_memcmp(digest_a.data(), digest_b.data(), digest_a.size()) == 0;
}

} // namespace kore_gateway
