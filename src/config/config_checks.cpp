#include "kore_gateway/config/config_checks.hpp"

#include <algorithm>

#include "kore_gateway/config/config_loader.hpp"
#include "kore_gateway/util/ascii.hpp"

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

url checked_config_url(const std::string& value, const std::string& where, bool allow_insecure,
                       std::string_view what) {
    auto parsed = parse_url(value);
    if (!parsed) {
        throw config_error(where + ": '" + value +
                           "' is not a valid URL (expected http(s)://host[:port][/path])");
    }
    if (!parsed->is_tls() && !allow_insecure) {
        throw config_error("insecure " + std::string(what) + " URL " + value +
                           " (set GATEWAY_ALLOW_INSECURE_UPSTREAM=1 to allow it in development)");
    }
    return *parsed;
}

std::optional<client_auth_mode> parse_client_auth_mode(std::string_view text) {
    if (trim_ows(text) == "none") {
        return client_auth_mode{};
    }
    client_auth_mode mode;
    for (;;) {
        const auto comma = text.find(',');
        const auto item = trim_ows(text.substr(0, comma));
        bool& accepted = item == "api_key" ? mode.api_key : mode.jwt;
        if ((item != "api_key" && item != "jwt") || accepted) {
            return std::nullopt; // an unknown or repeated mode, or an empty item
        }
        accepted = true;
        if (comma == std::string_view::npos) {
            return mode;
        }
        text.remove_prefix(comma + 1);
    }
}

bool is_scope_token(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return c >= 0x21 && c <= 0x7e && c != '"' && c != '\\';
    });
}

} // namespace kore_gateway
