#include "kore_gateway/gateway/openapi.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "kore_gateway/gateway/openapi_errors.hpp"
#include "kore_gateway/gateway/openapi_security.hpp"

namespace kore_gateway {
namespace {

// Insertion order keeps the document readable: "openapi" first, paths in table order.
using nlohmann::ordered_json;
// The catalogue of error answers, by name.
using namespace openapi_errors;

// The response headers the document may use, by name; components/headers holds the used ones.
ordered_json header_definitions() {
    const auto header = [](std::string_view description, ordered_json schema) {
        return ordered_json{{"description", description}, {"schema", std::move(schema)}};
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
                {{"type", "string"}, {"enum", ordered_json::array({"HIT", "MISS", "STALE"})}})},
        {"ETag", header("The cached answer's entity tag; sent back in If-None-Match it gives 304 "
                        "while the answer is unchanged.",
                        {{"type", "string"}})},
        {"Age", header("Seconds since the cached answer was fetched (HIT and STALE only).",
                       {{"type", "integer"}, {"minimum", 0}})},
        {"Retry-After", header("Whole seconds to wait before trying again.",
                               {{"type", "integer"}, {"minimum", 1}})},
        {"WWW-Authenticate",
         header("The authentication scheme to use: Bearer, with the realm, and with `error` (RFC "
                "6750) when a credential was refused or lacks a scope.",
                {{"type", "string"}})},
    };
}

std::string anchored(const value_rule& rule) {
    if (rule.pattern_text.empty()) {
        return "^[A-Za-z0-9_-]{1," + std::to_string(value_rule::default_max_length) + "}$";
    }
    return "^(?:" + rule.pattern_text + ")$";
}

ordered_json parameter(std::string_view name, std::string_view in, bool required,
                       const value_rule& rule) {
    return {{"name", name},
            {"in", in},
            {"required", required},
            {"schema", {{"type", "string"}, {"pattern", anchored(rule)}}}};
}

ordered_json object_of(std::string_view property, ordered_json schema) {
    return {{"type", "object"},
            {"required", ordered_json::array({property})},
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
    ordered_json parameters = ordered_json::array();
    ordered_json request_body = nullptr;
    ordered_json security =
        ordered_json::array(); // stated on each operation: [] needs no credential
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
    ordered_json route_operation(const route_row& row, const route_row& spelling, bool head);
    ordered_json operation(operation_spec spec, ordered_json responses);
    ordered_json headers(std::initializer_list<std::string_view> names);
    void add_errors(ordered_json& responses, std::vector<error_answer> answers, bool with_body);

    const openapi_inputs& inputs_;
    ordered_json paths_ = ordered_json::object();
    std::set<std::string, std::less<>> used_headers_;
    std::set<std::string, std::less<>> used_tags_;
    openapi_security security_;
};

ordered_json document::headers(std::initializer_list<std::string_view> names) {
    ordered_json refs = ordered_json::object();
    for (const auto name : names) {
        used_headers_.emplace(name);
        refs[std::string(name)] = {{"$ref", "#/components/headers/" + std::string(name)}};
    }
    return refs;
}

// Answers that share a status become one response whose description names each case.
void document::add_errors(ordered_json& responses, std::vector<error_answer> answers,
                          bool with_body) {
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

ordered_json document::operation(operation_spec spec, ordered_json responses) {
    used_tags_.emplace(spec.tag);
    ordered_json op{{"operationId", spec.operation_id},
                    {"summary", spec.summary},
                    {"description", spec.description},
                    {"tags", ordered_json::array({spec.tag})}};
    if (!spec.parameters.empty()) {
        op["parameters"] = std::move(spec.parameters);
    }
    if (!spec.request_body.is_null()) {
        op["requestBody"] = std::move(spec.request_body);
    }
    op["responses"] = std::move(responses);
    op["security"] = std::move(spec.security);
    return op;
}

ordered_json document::route_operation(const route_row& row, const route_row& spelling, bool head) {
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
                        .tag = "routes",
                        .security = security_.requirement(row.client_auth_or(inputs_.client_auth),
                                                          row.required_scopes)};
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
               {{"schema", row.body_schema ? ordered_json(row.body_schema->source())
                                           : ordered_json::object()}}}}}};
    }

    ordered_json responses{
        {"200",
         {{"description", "The upstream API's answer."},
          {"headers", cached ? headers({"X-Request-Id", "X-Cache", "ETag", "Age"})
                             : headers({"X-Request-Id"})}}}};
    if (!head) {
        // The upstream's JSON is passed through as it is: any JSON value.
        responses["200"]["content"] = {{"application/json", {{"schema", ordered_json::object()}}}};
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
                         ordered_json success, std::vector<error_answer> own_errors) {
        success["headers"] = headers({"X-Request-Id"});
        ordered_json responses{{"200", std::move(success)}};
        auto all_errors = common_errors(inputs_);
        all_errors.insert(all_errors.end(), own_errors.begin(), own_errors.end());
        add_errors(responses, std::move(all_errors), true);
        paths_[std::string(path)][std::string(method)] =
            operation(std::move(spec), std::move(responses));
    };
    const auto json_answer = [](std::string_view description, ordered_json schema) {
        return ordered_json{{"description", description},
                            {"content", {{"application/json", {{"schema", std::move(schema)}}}}}};
    };

    add("/healthz", "get",
        {"gateway_healthz", "Liveness", "200 while the process serves requests.", "gateway"},
        json_answer("Alive.", object_of("status", {{"const", "ok"}})), {});
    add("/readyz", "get",
        {"gateway_readyz", "Readiness",
         "200 once every configured upstream API has a usable token (or needs none), and JWT "
         "client authentication, if used, has its keys.",
         "gateway"},
        json_answer("Ready.", object_of("status", {{"const", "ready"}})), {not_ready});
    operation_spec metrics{"gateway_metrics", "Prometheus metrics",
                           "The gateway's metrics in the Prometheus text exposition format.",
                           "gateway"};
    std::vector<error_answer> metrics_errors;
    if (inputs_.metrics_auth && inputs_.client_auth.required()) {
        metrics.security = security_.requirement(inputs_.client_auth);
        metrics_errors = {client_unauthorized, client_rate_limited};
    }
    add("/metrics", "get", std::move(metrics),
        {{"description", "The metrics."},
         {"content", {{"text/plain", {{"schema", {{"type", "string"}}}}}}}},
        std::move(metrics_errors));
    add("/openapi.json", "get",
        {"gateway_openapi", "This document", "The OpenAPI document of the routes in force.",
         "gateway"},
        json_answer("The document.", {{"type", "object"}}), {});
    if (!inputs_.admin_enabled) {
        return;
    }
    operation_spec purge{"admin_cache_purge", "Empty the cache",
                         "Drops every cached answer, or one route's, in every replica sharing "
                         "the cache.",
                         "admin"};
    purge.parameters.push_back(
        {{"name", "route"},
         {"in", "query"},
         {"required", false},
         {"description", "Drop only this route's answers (404 when no route has the name)."},
         {"schema", {{"type", "string"}, {"minLength", 1}}}});
    purge.security = security_.admin_requirement();
    add("/admin/cache/purge", "post", std::move(purge),
        json_answer("Purged; `purged` counts the answers dropped.",
                    object_of("purged", {{"type", "integer"}, {"minimum", 0}})),
        {admin_unauthorized});
    operation_spec reload{"admin_reload", "Reload the configuration",
                          "Re-reads the config file and every *_FILE secret and, if they are "
                          "valid, puts them in force at once (as SIGHUP does).",
                          "admin"};
    reload.security = security_.admin_requirement();
    add("/admin/reload", "post", std::move(reload),
        json_answer("Reloaded.", object_of("reloaded", {{"type", "boolean"}, {"const", true}})),
        {reload_refused, admin_unauthorized});
}

std::string document::render() {
    const std::map<std::string_view, std::string_view> tag_descriptions{
        {"routes", "The configured routes: each goes to an upstream API."},
        {"gateway", "The gateway's own endpoints."},
        {"admin", "Administration, with the admin token."},
    };
    ordered_json tags = ordered_json::array();
    for (const auto& [name, description] : tag_descriptions) {
        if (used_tags_.contains(name)) {
            tags.push_back({{"name", name}, {"description", description}});
        }
    }
    ordered_json components{{"schemas", {{"error", error_schema()}}},
                            {"headers", ordered_json::object()}};
    const auto definitions = header_definitions();
    for (const auto& [name, definition] : definitions.items()) {
        if (used_headers_.contains(name)) {
            components["headers"][name] = definition;
        }
    }
    if (auto schemes = security_.schemes(); !schemes.empty()) {
        components["securitySchemes"] = std::move(schemes);
    }
    const ordered_json doc{
        {"openapi", "3.1.0"},
        {"info",
         {{"title", "kore-gateway"},
          {"version", KORE_GATEWAY_VERSION},
          {"description", "The local endpoints of this kore-gateway. Every error answer has the "
                          "shape of components/schemas/error."}}},
        {"servers", ordered_json::array({{{"url", "/"}}})},
        {"tags", std::move(tags)},
        {"paths", std::move(paths_)},
        {"components", std::move(components)},
    };
    // Patterns come from the config file: replacement keeps a stray byte from throwing.
    return doc.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
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
