#include "kore_gateway/http/validation.hpp"

#include <nlohmann/json.hpp>

#include "kore_gateway/http/router.hpp"

namespace kore_gateway {

query_check check_customer_query(std::string_view query, bool customer_id_required) {
    query_check check;
    bool seen = false;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (pair.empty()) {
            continue;
        }
        const auto eq = pair.find('=');
        const auto name = pair.substr(0, eq);
        const auto value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
        if (name != "customerId") {
            check.problem = "unknown query parameter; only customerId is accepted";
            return check;
        }
        if (seen) {
            check.problem = "customerId must be given once";
            return check;
        }
        if (!is_valid_parameter(value)) {
            check.problem = "customerId must be 1 to 128 characters of A-Z a-z 0-9 _ -";
            return check;
        }
        seen = true;
        check.customer_id = std::string(value);
    }
    if (customer_id_required && !seen) {
        check.problem = "customerId is required";
    }
    return check;
}

std::string check_empty_query(std::string_view query) {
    return query.empty() ? std::string{} : "this endpoint takes no query parameters";
}

std::optional<std::string> price_body_problem(std::string_view body) {
    const auto json = nlohmann::json::parse(body, nullptr, false);
    if (json.is_discarded()) {
        return "body must be valid JSON";
    }
    if (!json.is_object()) {
        return "body must be a JSON object";
    }
    if (const auto date = json.find("priceDate"); date != json.end() && !date->is_string()) {
        return "priceDate must be a string";
    }
    const auto form = json.find("formData");
    if (form == json.end() || !form->is_array()) {
        return "formData must be an array";
    }
    for (const auto& element : *form) {
        if (!element.is_object()) {
            return "each formData element must be an object";
        }
        const auto key = element.find("elementKey");
        if (key == element.end() || !key->is_string()) {
            return "each formData element needs a string elementKey";
        }
        const auto value = element.find("elementValue");
        if (value == element.end() || !(value->is_string() || value->is_number())) {
            return "each formData element needs an elementValue that is a string or a number";
        }
    }
    return std::nullopt;
}

} // namespace kore_gateway
