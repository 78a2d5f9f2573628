#include "kore_gateway/gateway/openapi_security.hpp"

#include <string_view>
#include <utility>

namespace kore_gateway {

using nlohmann::ordered_json;

ordered_json openapi_security::requirement(client_auth_mode mode,
                                           const std::vector<std::string>& scopes) {
    ordered_json alternatives = ordered_json::array();
    if (mode.api_key) {
        api_key_used_ = true;
        alternatives.push_back({{"apiKey", ordered_json::array()}});
    }
    if (mode.jwt) {
        jwt_used_ = true;
        alternatives.push_back({{"jwt", scopes}});
    }
    return alternatives;
}

ordered_json openapi_security::admin_requirement() {
    admin_used_ = true;
    return ordered_json::array({{{"bearerAuth", ordered_json::array()}}});
}

ordered_json openapi_security::schemes() const {
    const auto bearer = [](std::string_view description) {
        return ordered_json{{"type", "http"}, {"scheme", "bearer"}, {"description", description}};
    };
    ordered_json schemes = ordered_json::object();
    if (admin_used_) {
        schemes["bearerAuth"] = bearer("The admin token (GATEWAY_ADMIN_TOKEN).");
    }
    if (api_key_used_) {
        schemes["apiKey"] = bearer("An API key of the file's clients, sent as a bearer token.");
    }
    if (jwt_used_) {
        auto jwt = bearer("A JWT of the configured identity provider, sent as a bearer token; "
                          "a route's listed scopes are all required (in `scope` or `scp`).");
        jwt["bearerFormat"] = "JWT";
        schemes["jwt"] = std::move(jwt);
    }
    return schemes;
}

} // namespace kore_gateway
