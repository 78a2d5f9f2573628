#include "kore_gateway/http/bearer.hpp"

#include <boost/beast/core/string.hpp>

#include "kore_gateway/util/ascii.hpp"

namespace kore_gateway {

std::optional<std::string_view> bearer_credentials(std::string_view authorization) {
    constexpr std::string_view scheme = "Bearer";
    if (authorization.size() <= scheme.size() ||
        !iequals_ascii(authorization.substr(0, scheme.size()), scheme) ||
        authorization[scheme.size()] != ' ') {
        return std::nullopt;
    }
    auto token = authorization.substr(scheme.size());
    token.remove_prefix(std::min(token.find_first_not_of(' '), token.size()));
    if (token.empty()) {
        return std::nullopt;
    }
    return token;
}

} // namespace kore_gateway
