#include "kore_gateway/util/ids.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>

#include "kore_gateway/util/ascii.hpp"
#include "kore_gateway/util/hex.hpp"

namespace kore_gateway {

std::string random_id() {
    thread_local std::mt19937_64 generator{[] {
        std::random_device device;
        std::seed_seq seed{device(), device(), device(), device()};
        return std::mt19937_64{seed};
    }()};
    const std::array<std::uint64_t, 2> draws{generator(), generator()};
    std::string id(2 * sizeof draws, '0');
    write_hex_lower({reinterpret_cast<const unsigned char*>(draws.data()), sizeof draws},
                    id.data());
    return id;
}

bool is_valid_request_id(std::string_view id) {
    return !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](char c) {
        return is_ascii_alnum(c) || c == '.' || c == '_' || c == ':' || c == '-';
    });
}

} // namespace kore_gateway
