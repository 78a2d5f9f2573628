#include "kore_gateway/gateway/openapi.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "kore_gateway/http/json_error.hpp"

namespace kore_gateway {
namespace {

// Insertion order keeps the document readable: "openapi" first, paths in table order.
using json = nlohmann::ordered_json;

// One documented error answer: the status, the section 8 `error` words it carries and when.
struct error_answer {
    http::status status;
    std::string_view description;
    std::string_view header = {}; // a header it carries besides X-Request-Id
};

constexpr error_answer malformed{errors::bad_request.status,
                                 "bad_request: the request is malformed (framing, Host)."};
constexpr error_answer invalid_input{
    errors::bad_request.status,
    "bad_request: a path or query parameter, or the body, is not valid; `errors` lists each "
    "failing place of the body."};
constexpr error_answer admin_unauthorized{
    errors::unauthorized.status, "unauthorized: the admin bearer token is missing or wrong.",
    "WWW-Authenticate"};
constexpr error_answer payload_too_large{errors::payload_too_large.status,
                                         "payload_too_large: the body is over the size limit."};
constexpr error_answer unsupported_media_type{
    http::status::unsupported_media_type,
    "unsupported_media_type: the body's Content-Type is not a JSON media type."};
constexpr error_answer rate_limited{errors::rate_limited.status,
                                    "rate_limited: the client is over its request rate.",
                                    "Retry-After"};
constexpr error_answer headers_too_large{
    errors::headers_too_large.status, "headers_too_large: the request headers are over the limit."};
constexpr error_answer bad_gateway{
    errors::upstream_unavailable.status,
    "upstream_unavailable, upstream_auth_failed or upstream_invalid_response: the upstream API "
    "could not be reached, refused the gateway's credentials, or did not answer JSON."};
constexpr error_answer circuit_open{
    http::status::service_unavailable,
    "upstream_unavailable: the upstream API keeps failing and is left alone for a while (its "
    "circuit is open).",
    "Retry-After"};
constexpr error_answer gateway_timeout{
    errors::upstream_timeout.status, "upstream_timeout: the upstream API did not answer in time."};
constexpr error_answer not_ready{
    errors::not_ready.status, "not_ready: an upstream API has no usable token yet; `message` says "
                              "why."};

// Errors any request can get before its route is known: the session's limits and the per-IP
// rate limit (CONTRACT.md section 17, order of checks).
std::vector<error_answer> common_errors(const openapi_inputs& inputs) {
    std::vector<error_answer> list{malformed, headers_too_large};
    if (inputs.rate_limited) {
        list.push_back(rate_limited);
    }
    return list;
}

// Every error a route row can answer. Client authentication (401, 403) belongs here too.
std::vector<error_answer> route_errors(const route_row& row, const openapi_inputs& inputs) {
    auto list = common_errors(inputs);
    list.push_back(invalid_input);
    if (row.has_body()) {
        list.push_back(payload_too_large);
        list.push_back(unsupported_media_type);
    }
    list.insert(list.end(), {bad_gateway, circuit_open, gateway_timeout});
    return list;
}

// The response headers the document may use, by name; components/headers holds the used ones.
json header_definitions() {
    const auto header = [](std::string_view description, json schema) {
        return json{{"description", description}, {"schema", std::move(schema)}};
    };
    auto request_id = header("The request's id: the client's own if it sent a valid one, else a "
                             "new one. Error answers and the gateway's log carry it too.",
                             {{"type", "string"}});
    request_id["required"] = true;
    return {
        {"X-Request-Id", std::move(request_id)},
        {"X-Cache",
         header("Where the answer came from: the cache (HIT), the upstream API (MISS), or the "
                "cache after the upstream API failed (STALE).",
                {{"type", "string"}, {"enum", json::array({"HIT", "MISS", "STALE"})}})},
        {"ETag", header("The cached answer's entity tag; sent back in If-None-Match it gives 304 "
                        "while the answer is unchanged.",
                        {{"type", "string"}})},
        {"Age", header("Seconds since the cached answer was fetched (HIT and STALE only).",
                       {{"type", "integer"}, {"minimum", 0}})},
        {"Retry-After", header("Whole seconds to wait before trying again.",
                               {{"type", "integer"}, {"minimum", 1}})},
        {"WWW-Authenticate",
         header("The authentication scheme to use: Bearer.", {{"type", "string"}})},
    };
}

// Section 8's error body.
json error_schema() {
    const json string{{"type", "string"}};
    const json null{{"type", "null"}};
    return {
        {"type", "object"},
        {"description", "Every error answer of the gateway, in the shape of KORE's own errors."},
        {"required", json::array({"id", "error_id", "error", "message", "link", "errors"})},
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

std::string anchored(const value_rule& rule) {
    if (rule.pattern_text.empty()) {
        return "^[A-Za-z0-9_-]{1," + std::to_string(value_rule::default_max_length) + "}$";
    }
    return "^(?:" + rule.pattern_text + ")$";
}

json parameter(std::string_view name, std::string_view in, bool required, const value_rule& rule) {
    return {{"name", name},
            {"in", in},
            {"required", required},
            {"schema", {{"type", "string"}, {"pattern", anchored(rule)}}}};
}

json object_of(std::string_view property, json schema) {
    return {{"type", "object"},
            {"required", json::array({property})},
            {"properties", {{property, std::move(schema)}}}};
}

std::string lower_case(std::string_view method) {
    std::string text(method);
    std::ranges::transform(text, text.begin(), [](char c) {
        return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    });
    return text;
}

// One operation's own data; route rows and the gateway's endpoints both become one.
struct operation_spec {
    std::string operation_id;
    std::string summary;
    std::string description;
    std::string_view tag;
    json parameters = json::array();
    json request_body = nullptr;
    bool admin = false; // needs the admin bearer token
};

class document {
public:
    explicit document(const openapi_inputs& inputs) : inputs_(inputs) {}

    // spelling: the first row with row's path shape; its path is the key and its parameter
    // names are used, by position (OpenAPI forbids two paths that differ only in names).
    void add_route(const route_row& row, const route_row& spelling);
    void add_gateway_endpoints();
    std::string render();

private:
    json route_operation(const route_row& row, const route_row& spelling, bool head);
    json operation(operation_spec spec, json responses);
    json headers(std::initializer_list<std::string_view> names);
    void add_errors(json& responses, std::vector<error_answer> answers, bool with_body);

    const openapi_inputs& inputs_;
    json paths_ = json::object();
    std::set<std::string, std::less<>> used_headers_;
    std::set<std::string, std::less<>> used_tags_;
};

json document::headers(std::initializer_list<std::string_view> names) {
    json refs = json::object();
    for (const auto name : names) {
        used_headers_.emplace(name);
        refs[std::string(name)] = {{"$ref", "#/components/headers/" + std::string(name)}};
    }
    return refs;
}

// Answers that share a status become one response whose description names each case.
void document::add_errors(json& responses, std::vector<error_answer> answers, bool with_body) {
    std::ranges::stable_sort(answers, {}, &error_answer::status);
    for (const auto& answer : answers) {
        auto& response = responses[std::to_string(static_cast<unsigned>(answer.status))];
        if (response.is_null()) {
            response = {{"description", answer.description},
                        {"headers", headers({"X-Request-Id"})}};
            if (with_body) {
                response["content"] = {
                    {"application/json", {{"schema", {{"$ref", "#/components/schemas/error"}}}}}};
            }
        } else {
            response["description"] = response["description"].get<std::string>() + "\n\n" +
                                      std::string(answer.description);
        }
        if (!answer.header.empty()) {
            response["headers"].update(headers({answer.header}));
        }
    }
}

json document::operation(operation_spec spec, json responses) {
    used_tags_.emplace(spec.tag);
    json op{{"operationId", spec.operation_id},
            {"summary", spec.summary},
            {"description", spec.description},
            {"tags", json::array({spec.tag})}};
    if (!spec.parameters.empty()) {
        op["parameters"] = std::move(spec.parameters);
    }
    if (!spec.request_body.is_null()) {
        op["requestBody"] = std::move(spec.request_body);
    }
    op["responses"] = std::move(responses);
    // Stated on each operation: the admin token is the only credential the gateway checks.
    op["security"] = spec.admin ? json::array({{{"bearerAuth", json::array()}}}) : json::array();
    return op;
}

json document::route_operation(const route_row& row, const route_row& spelling, bool head) {
    const bool cached = row.method == http::verb::get && row.cache_ttl.count() > 0;
    const auto answered_by =
        cached ? "Answered from the gateway's cache for up to " +
                     std::to_string(row.cache_ttl.count()) +
                     " s (If-None-Match with its ETag gives 304), else by an upstream API"
               : std::string("Forwarded to an upstream API");
    operation_spec spec{.operation_id = head ? row.name + "_head" : row.name,
                        .summary = head ? row.name + " (HEAD)" : row.name,
                        .description = head ? "As GET " + spelling.path + ", without a body."
                                            : answered_by +
                                                  ", whose status, JSON body and Content-Type are "
                                                  "passed through.",
                        .tag = "routes"};
    for (std::size_t i = 0; i < row.params.size(); ++i) {
        spec.parameters.push_back(
            parameter(spelling.params.at(i).name, "path", true, row.params[i].value));
    }
    for (const auto& query : row.query) {
        spec.parameters.push_back(parameter(query.name, "query", query.required, query.value));
    }
    if (cached) {
        spec.parameters.push_back(
            {{"name", "If-None-Match"},
             {"in", "header"},
             {"required", false},
             {"description", "An ETag this route answered: 304 while that answer is current."},
             {"schema", {{"type", "string"}}}});
    }
    if (row.has_body()) {
        // Without a body schema any JSON value is accepted.
        spec.request_body = {
            {"required", true},
            {"content",
             {{"application/json",
               {{"schema", row.body_schema ? json(row.body_schema->source()) : json::object()}}}}}};
    }

    json responses{{"200",
                    {{"description", "The upstream API's answer."},
                     {"headers", cached ? headers({"X-Request-Id", "X-Cache", "ETag", "Age"})
                                        : headers({"X-Request-Id"})}}}};
    if (!head) {
        // The upstream's JSON is passed through as it is: any JSON value.
        responses["200"]["content"] = {{"application/json", {{"schema", json::object()}}}};
    }
    if (cached) {
        responses["304"] = {
            {"description", "Not modified: If-None-Match names the current answer."},
            {"headers", headers({"X-Request-Id", "ETag"})}};
    }
    add_errors(responses, route_errors(row, inputs_), !head);
    return operation(std::move(spec), std::move(responses));
}

void document::add_route(const route_row& row, const route_row& spelling) {
    auto& item = paths_[spelling.path];
    item[lower_case(http::to_string(row.method))] = route_operation(row, spelling, false);
    if (row.method == http::verb::get) {
        item["head"] = route_operation(row, spelling, true);
    }
}

void document::add_gateway_endpoints() {
    // success: the 200 answer's description and content; own_errors: besides the common ones.
    const auto add = [&](std::string_view path, std::string_view method, operation_spec spec,
                         json success, std::vector<error_answer> own_errors) {
        success["headers"] = headers({"X-Request-Id"});
        json responses{{"200", std::move(success)}};
        auto all_errors = common_errors(inputs_);
        all_errors.insert(all_errors.end(), own_errors.begin(), own_errors.end());
        add_errors(responses, std::move(all_errors), true);
        paths_[std::string(path)][std::string(method)] =
            operation(std::move(spec), std::move(responses));
    };
    const auto json_answer = [](std::string_view description, json schema) {
        return json{{"description", description},
                    {"content", {{"application/json", {{"schema", std::move(schema)}}}}}};
    };

    add("/healthz", "get",
        {"gateway_healthz", "Liveness", "200 while the process serves requests.", "gateway"},
        json_answer("Alive.", object_of("status", {{"const", "ok"}})), {});
    add("/readyz", "get",
        {"gateway_readyz", "Readiness",
         "200 once every configured upstream API has a usable token (or needs none).", "gateway"},
        json_answer("Ready.", object_of("status", {{"const", "ready"}})), {not_ready});
    add("/metrics", "get",
        {"gateway_metrics", "Prometheus metrics",
         "The gateway's metrics in the Prometheus text exposition format.", "gateway"},
        {{"description", "The metrics."},
         {"content", {{"text/plain", {{"schema", {{"type", "string"}}}}}}}},
        {});
    add("/openapi.json", "get",
        {"gateway_openapi", "This document", "The OpenAPI document of the routes in force.",
         "gateway"},
        json_answer("The document.", {{"type", "object"}}), {});
    if (!inputs_.admin_enabled) {
        return;
    }
    operation_spec purge{"admin_cache_purge", "Empty the cache", "Drops every cached answer.",
                         "admin"};
    purge.admin = true;
    add("/admin/cache/purge", "post", std::move(purge),
        json_answer("Purged; `purged` counts the answers dropped.",
                    object_of("purged", {{"type", "integer"}, {"minimum", 0}})),
        {admin_unauthorized});
}

std::string document::render() {
    const std::map<std::string_view, std::string_view> tag_descriptions{
        {"routes", "The configured routes: each goes to an upstream API."},
        {"gateway", "The gateway's own endpoints."},
        {"admin", "Administration, with the admin token."},
    };
    json tags = json::array();
    for (const auto& [name, description] : tag_descriptions) {
        if (used_tags_.contains(name)) {
            tags.push_back({{"name", name}, {"description", description}});
        }
    }
    json components{{"schemas", {{"error", error_schema()}}}, {"headers", json::object()}};
    const auto definitions = header_definitions();
    for (const auto& [name, definition] : definitions.items()) {
        if (used_headers_.contains(name)) {
            components["headers"][name] = definition;
        }
    }
    if (inputs_.admin_enabled) {
        components["securitySchemes"] = {
            {"bearerAuth",
             {{"type", "http"},
              {"scheme", "bearer"},
              {"description", "The admin token (GATEWAY_ADMIN_TOKEN)."}}}};
    }
    const json doc{
        {"openapi", "3.1.0"},
        {"info",
         {{"title", "kore-gateway"},
          {"version", KORE_GATEWAY_VERSION},
          {"description", "The local endpoints of this kore-gateway. Every error answer has the "
                          "shape of components/schemas/error."}}},
        {"servers", json::array({{{"url", "/"}}})},
        {"tags", std::move(tags)},
        {"paths", std::move(paths_)},
        {"components", std::move(components)},
    };
    // Patterns come from the config file: replacement keeps a stray byte from throwing.
    return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

} // namespace

std::string make_openapi(const route_table& routes, const openapi_inputs& inputs) {
    document doc(inputs);
    std::map<std::string, const route_row*, std::less<>> spelling_by_shape;
    for (const auto& row : routes.rows()) {
        const auto spelling = spelling_by_shape.try_emplace(route_shape(row.path), &row).first;
        doc.add_route(row, *spelling->second);
    }
    doc.add_gateway_endpoints();
    return doc.render();
}

} // namespace kore_gateway
