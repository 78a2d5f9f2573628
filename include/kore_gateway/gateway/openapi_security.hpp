// The OpenAPI document's security: each operation's requirement and the schemes they use
// (CONTRACT.md sections 12 and 17).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kore_gateway/config/config.hpp"

namespace kore_gateway {

// Hands out security requirements and remembers which schemes they named, so that
// components.securitySchemes defines exactly those.
class openapi_security {
public:
    // An operation that needs mode: [] when nothing; one alternative per accepted credential
    // otherwise (OpenAPI: any one of them). The JWT alternative lists scopes, all required.
    nlohmann::ordered_json requirement(client_auth_mode mode,
                                       const std::vector<std::string>& scopes = {});
    // An /admin/* operation: the admin token.
    nlohmann::ordered_json admin_requirement();
    // components.securitySchemes: the schemes handed out so far; empty when none was.
    nlohmann::ordered_json schemes() const;

private:
    bool admin_used_ = false;
    bool api_key_used_ = false;
    bool jwt_used_ = false;
};

} // namespace kore_gateway
