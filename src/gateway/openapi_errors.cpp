#include "kore_gateway/gateway/openapi_errors.hpp"

namespace kore_gateway::openapi_errors {

using nlohmann::ordered_json;

std::vector<error_answer> common_errors(const openapi_inputs& inputs) {
    std::vector<error_answer> list{malformed, headers_too_large};
    if (inputs.rate_limited) {
        list.push_back(rate_limited);
    }
    return list;
}

// In section 17's order of checks.
std::vector<error_answer> route_errors(const route_row& row, const openapi_inputs& inputs) {
    auto list = common_errors(inputs);
    const auto client_auth = row.client_auth_or(inputs.client_auth);
    if (client_auth.required()) {
        list.insert(list.end(), {client_unauthorized, client_forbidden, client_rate_limited});
    }
    if (client_auth.jwt && !client_auth.api_key) {
        list.push_back(no_jwks);
    }
    list.push_back(invalid_input);
    if (row.has_body()) {
        list.push_back(payload_too_large);
        list.push_back(unsupported_media_type);
    }
    list.push_back(bad_gateway);
    if (inputs.circuit_breaker) {
        list.push_back(circuit_open);
    }
    list.push_back(gateway_timeout);
    return list;
}

ordered_json error_schema() {
    const ordered_json string{{"type", "string"}};
    const ordered_json null{{"type", "null"}};
    return {
        {"type", "object"},
        {"description", "Every error answer of the gateway, in the shape of KORE's own errors."},
        {"required", ordered_json::array({"id", "error_id", "error", "message", "link", "errors"})},
        {"properties",
         {{"id", null},
          {"error_id", {{"type", "string"}, {"description", "Unique per error; in its log line."}}},
          {"error", {{"type", "string"}, {"description", "What went wrong, as a word."}}},
          {"message", {{"type", "string"}, {"description", "What went wrong, for a person."}}},
          {"link", null},
          {"errors",
           {{"type", "array"},
            {"description", "One item per failing place of a request body."},
            {"items",
             {{"type", "object"}, {"properties", {{"pointer", string}, {"message", string}}}}}}}}},
    };
}

} // namespace kore_gateway::openapi_errors
