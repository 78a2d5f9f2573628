#include "kore_gateway/gateway/call_builder.hpp"

#include <nlohmann/json.hpp>

#include "kore_gateway/util/ascii.hpp"

namespace kore_gateway {
namespace {

// nullopt when body satisfies the row (any JSON value, and its schema when it has one).
std::optional<route_outcome> body_problem(const route_row& row, const std::string& body) {
    const auto document = nlohmann::json::parse(body, nullptr, false);
    if (document.is_discarded()) {
        return error_outcome(errors::bad_request, "the request body is not valid JSON");
    }
    if (!row.body_schema) {
        return std::nullopt;
    }
    const auto failures = row.body_schema->validate(document);
    if (failures.empty()) {
        return std::nullopt;
    }
    auto details = nlohmann::ordered_json::array();
    for (const auto& failure : failures) {
        details.push_back({{"pointer", failure.pointer}, {"message", failure.message}});
    }
    const auto& first = failures.front();
    return error_outcome(errors::bad_request,
                         "request body " + (first.pointer.empty() ? "" : first.pointer + " ") +
                             first.message,
                         details);
}

} // namespace

bool is_json_media_type(std::string_view content_type) {
    const auto essence = trim_ows(content_type.substr(0, content_type.find(';')));
    if (content_type.empty()) {
        return true;
    }
    constexpr std::string_view suffix = "+json";
    return iequals_ascii(essence, "application/json") ||
           (essence.size() > suffix.size() && essence.find('/') != std::string_view::npos &&
            iequals_ascii(essence.substr(essence.size() - suffix.size()), suffix));
}

std::optional<route_outcome> build_upstream_call(route_lookup&& lookup, request& req,
                                                 std::string_view raw_query, upstream_call& call) {
    const auto& row = *lookup.row;
    auto query = check_query(row, raw_query);
    if (!query.problem.empty()) {
        return error_outcome(errors::bad_request, query.problem);
    }
    call.row = &row;
    call.method = req.method();
    call.params = std::move(lookup.params);
    call.query = std::move(query.params);
    if (row.has_body()) {
        const auto content_type = req[http::field::content_type];
        if (!is_json_media_type(content_type)) {
            return error_outcome(errors::unsupported_media_type,
                                 "the request body must be JSON (Content-Type: application/json)");
        }
        if (auto problem = body_problem(row, req.body())) {
            return problem;
        }
        call.content_type = std::string(content_type);
        call.body = std::move(req.body());
    } else if (row.method == http::verb::delete_ && !req.body().empty()) {
        return error_outcome(errors::bad_request, "a DELETE request must not have a body");
    }
    for (const auto& name : row.forward_headers) {
        // Several lines of one header mean one comma-separated list (RFC 9110 section 5.3).
        std::string value;
        for (auto [it, end] = req.equal_range(name); it != end; ++it) {
            value += (value.empty() ? "" : ", ") + std::string(it->value());
        }
        if (!value.empty()) {
            call.headers.emplace_back(name, std::move(value));
        }
    }
    for (auto [it, end] = req.equal_range(http::field::if_none_match); it != end; ++it) {
        call.if_none_match += (call.if_none_match.empty() ? "" : ", ") + std::string(it->value());
    }
    return std::nullopt;
}

} // namespace kore_gateway
