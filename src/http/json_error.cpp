#include "kore_gateway/http/json_error.hpp"

#include <nlohmann/json.hpp>

namespace kore_gateway {

std::string error_body(const error_kind& kind, std::string_view message, std::string_view error_id,
                       const nlohmann::ordered_json& details) {
    // Ordered as in KORE's own error answers.
    const nlohmann::ordered_json body{{"id", nullptr},      {"error_id", error_id},
                                      {"error", kind.code}, {"message", message},
                                      {"link", nullptr},    {"errors", details}};
    // Replacement instead of an exception: a message quoting client bytes may be invalid UTF-8.
    return body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

response make_error_response(const error_kind& kind, std::string_view message,
                             std::string_view error_id, const nlohmann::ordered_json& details) {
    response res{kind.status, 11};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-store");
    res.body() = make_body(error_body(kind, message, error_id, details));
    return res;
}

} // namespace kore_gateway
