#include "kore_gateway/util/ids.hpp"

#include <algorithm>
#include <array>
#include <random>

#include "kore_gateway/util/ascii.hpp"

namespace kore_gateway {

std::string random_id() {
    thread_local std::mt19937_64 generator{[] {
        std::random_device device;
        std::seed_seq seed{device(), device(), device(), device()};
        return std::mt19937_64{seed};
    }()};
    static constexpr std::array<char, 16> digits{'0', '1', '2', '3', '4', '5', '6', '7',
                                                 '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
    std::string id(32, '0');
    for (std::size_t half = 0; half < 2; ++half) {
        auto bits = generator();
        for (std::size_t i = 0; i < 16; ++i, bits >>= 4) {
            id[half * 16 + i] = digits[bits & 0xF];
        }
    }
    return id;
}

bool is_valid_request_id(std::string_view id) {
    return !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](char c) {
        return is_ascii_alnum(c) || c == '.' || c == '_' || c == ':' || c == '-';
    });
}

} // namespace kore_gateway
