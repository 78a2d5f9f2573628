#include "kore_gateway/config/config_checks.hpp"

namespace kore_gateway {

std::string file_key(std::string_view key) {
    return "key '" + std::string(key) + "'";
}

bool integer_in_range(const nlohmann::json& v, std::int64_t min, std::int64_t max) {
    if (v.is_number_unsigned()) {
        const auto n = v.get<std::uint64_t>();
        return n <= static_cast<std::uint64_t>(max) &&
               (min <= 0 || n >= static_cast<std::uint64_t>(min));
    }
    const auto n = v.get<std::int64_t>();
    return n >= min && n <= max;
}

} // namespace kore_gateway
