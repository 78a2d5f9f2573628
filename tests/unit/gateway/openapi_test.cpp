// The OpenAPI document of a route table: operations, parameters, bodies, statuses, headers and
// the gateway's own endpoints (the security side is in openapi_security_test.cpp).
#include "kore_gateway/gateway/openapi.hpp"

#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "unit/gateway/openapi_test_support.hpp"

namespace kore_gateway {
namespace {

using nlohmann::json;
using testing::cached;
using testing::document;
using testing::either_auth;
using testing::row;
using testing::statuses;

value_rule pattern(std::string text) {
    return {.pattern_text = text,
            .pattern = std::make_shared<const boost::regex>(text, ecmascript_regex_flags)};
}

TEST(openapi, is_an_openapi_3_1_document_served_from_the_root) {
    const auto doc = document({});
    EXPECT_EQ(doc.at("openapi"), "3.1.0");
    EXPECT_EQ(doc.at("info").at("title"), "kore-gateway");
    EXPECT_EQ(doc.at("info").at("version"), KORE_GATEWAY_VERSION);
    EXPECT_EQ(doc.at("servers"), json::parse(R"([{"url": "/"}])"));
}

TEST(openapi, every_route_and_method_is_an_operation_named_after_the_route) {
    const std::vector<std::pair<http::verb, std::string>> methods{{http::verb::get, "get"},
                                                                  {http::verb::post, "post"},
                                                                  {http::verb::put, "put"},
                                                                  {http::verb::patch, "patch"},
                                                                  {http::verb::delete_, "delete"}};
    std::vector<route_row> rows;
    for (const auto& [method, key] : methods) {
        rows.push_back(row("things_" + key, method, "/things/" + key));
    }
    const auto doc = document(rows);
    for (const auto& [method, key] : methods) {
        SCOPED_TRACE(key);
        EXPECT_EQ(doc.at("paths").at("/things/" + key).at(key).at("operationId"), "things_" + key);
        EXPECT_FALSE(doc.at("paths").at("/things/" + key).at(key).at("summary").empty());
    }
}

TEST(openapi, a_get_route_also_has_a_head_operation_without_bodies) {
    const auto doc = document({cached(row("deal", http::verb::get, "/deals/{id}", {{"id", {}}}))});
    const auto& item = doc.at("paths").at("/deals/{id}");
    const auto& head = item.at("head");
    EXPECT_EQ(head.at("operationId"), "deal_head");
    EXPECT_EQ(statuses(head), statuses(item.at("get")));
    EXPECT_EQ(head.at("parameters"), item.at("get").at("parameters"));
    for (const auto& [status, response] : head.at("responses").items()) {
        EXPECT_FALSE(response.contains("content")) << status;
    }
    EXPECT_FALSE(document({row("price", http::verb::post, "/price")})
                     .at("paths")
                     .at("/price")
                     .contains("head"));
}

TEST(openapi, path_parameters_carry_their_anchored_pattern_or_the_default) {
    const auto doc =
        document({row("offer", http::verb::get, "/products/{productId}/offers/{offerId}",
                      {{"productId", pattern("[0-9]+|x")}, {"offerId", {}}})});
    const auto& parameters =
        doc.at("paths").at("/products/{productId}/offers/{offerId}").at("get").at("parameters");
    ASSERT_EQ(parameters.size(), 2u);
    EXPECT_EQ(parameters[0], json::parse(R"({"name": "productId", "in": "path", "required": true,
        "schema": {"type": "string", "pattern": "^(?:[0-9]+|x)$"}})"));
    EXPECT_EQ(parameters[1], json::parse(R"({"name": "offerId", "in": "path", "required": true,
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,128}$"}})"));
}

TEST(openapi, query_parameters_carry_required_and_pattern) {
    auto offers = row("offers", http::verb::get, "/offers");
    offers.query = {{"customerId", true, {}}, {"q", false, pattern(R"(a"b\d)")}};
    const auto doc = document({offers});
    const auto& parameters = doc.at("paths").at("/offers").at("get").at("parameters");
    ASSERT_EQ(parameters.size(), 2u);
    EXPECT_EQ(parameters[0], json::parse(R"({"name": "customerId", "in": "query", "required": true,
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,128}$"}})"));
    // A quote and a backslash in a configured pattern survive as JSON text.
    EXPECT_EQ(parameters[1], json::parse(R"({"name": "q", "in": "query", "required": false,
        "schema": {"type": "string", "pattern": "^(?:a\"b\\d)$"}})"));
}

TEST(openapi, a_body_route_embeds_its_body_schema_as_written) {
    const auto schema_source = json::parse(R"({"type": "object", "required": ["formData"],
        "properties": {"formData": {"type": "array", "items": {"type": "object"}}}})");
    std::vector<std::string> problems;
    auto price = row("price", http::verb::post, "/price");
    price.body_schema = json_schema::compile(schema_source, problems);
    ASSERT_TRUE(price.body_schema) << problems.front();
    const auto doc = document({price, row("any_body", http::verb::put, "/any"),
                               row("remove", http::verb::delete_, "/any")});

    EXPECT_EQ(doc.at("paths").at("/price").at("post").at("requestBody"),
              (json{{"required", true},
                    {"content", {{"application/json", {{"schema", schema_source}}}}}}));
    // No schema: any JSON value.
    EXPECT_EQ(
        doc.at("paths").at("/any").at("put").at("requestBody").at("content").at("application/json"),
        json::parse(R"({"schema": {}})"));
    EXPECT_FALSE(doc.at("paths").at("/any").at("delete").contains("requestBody"));
}

TEST(openapi, each_kind_of_route_lists_the_statuses_it_can_answer) {
    struct expectation {
        std::string name;
        route_row route;
        std::string method;
        bool rate_limited;
        bool circuit_breaker;
        std::set<std::string> statuses;
    };
    const std::vector<expectation> table{
        {"uncached GET",
         row("a", http::verb::get, "/a"),
         "get",
         false,
         false,
         {"200", "400", "431", "502", "504"}},
        {"cached GET",
         cached(row("a", http::verb::get, "/a")),
         "get",
         false,
         false,
         {"200", "304", "400", "431", "502", "504"}},
        {"POST",
         row("a", http::verb::post, "/a"),
         "post",
         false,
         false,
         {"200", "400", "413", "415", "431", "502", "504"}},
        {"PATCH",
         row("a", http::verb::patch, "/a"),
         "patch",
         false,
         false,
         {"200", "400", "413", "415", "431", "502", "504"}},
        {"DELETE",
         row("a", http::verb::delete_, "/a"),
         "delete",
         false,
         false,
         {"200", "400", "431", "502", "504"}},
        {"rate-limited GET",
         row("a", http::verb::get, "/a"),
         "get",
         true,
         false,
         {"200", "400", "429", "431", "502", "504"}},
        {"GET behind a circuit breaker",
         row("a", http::verb::get, "/a"),
         "get",
         false,
         true,
         {"200", "400", "431", "502", "503", "504"}},
        {"POST behind a circuit breaker",
         row("a", http::verb::post, "/a"),
         "post",
         false,
         true,
         {"200", "400", "413", "415", "431", "502", "503", "504"}},
    };
    for (const auto& entry : table) {
        SCOPED_TRACE(entry.name);
        const auto doc = document({entry.route}, {.rate_limited = entry.rate_limited,
                                                  .circuit_breaker = entry.circuit_breaker});
        EXPECT_EQ(statuses(doc.at("paths").at("/a").at(entry.method)), entry.statuses);
    }
}

TEST(openapi, error_answers_share_the_error_schema_of_section_8) {
    const auto doc = document({row("a", http::verb::post, "/a")}, {.rate_limited = true});
    for (const auto& [status, response] :
         doc.at("paths").at("/a").at("post").at("responses").items()) {
        if (status.front() == '4' || status.front() == '5') {
            EXPECT_EQ(response.at("content").at("application/json").at("schema"),
                      json::parse(R"({"$ref": "#/components/schemas/error"})"))
                << status;
        }
    }
    const auto& error = doc.at("components").at("schemas").at("error");
    EXPECT_EQ(error.at("required"),
              json::parse(R"(["id", "error_id", "error", "message", "link", "errors"])"));
    const auto& properties = error.at("properties");
    EXPECT_EQ(properties.at("id").at("type"), "null");
    EXPECT_EQ(properties.at("link").at("type"), "null");
    for (const auto* field : {"error_id", "error", "message"}) {
        EXPECT_EQ(properties.at(field).at("type"), "string") << field;
    }
    EXPECT_EQ(properties.at("errors").at("type"), "array");
    const auto& item = properties.at("errors").at("items");
    EXPECT_EQ(item.at("type"), "object");
    EXPECT_EQ(item.at("properties").at("pointer").at("type"), "string");
    EXPECT_EQ(item.at("properties").at("message").at("type"), "string");
    EXPECT_FALSE(item.contains("required"));
}

TEST(openapi, response_headers_are_references_to_shared_definitions) {
    const auto doc = document({cached(row("cached", http::verb::get, "/cached")),
                               row("plain", http::verb::get, "/plain")},
                              {.circuit_breaker = true});
    const auto ref = [](const std::string& name) {
        return json{{"$ref", "#/components/headers/" + name}};
    };
    for (const auto& [path, item] : doc.at("paths").items()) {
        for (const auto& [method, operation] : item.items()) {
            for (const auto& [status, response] : operation.at("responses").items()) {
                EXPECT_EQ(response.at("headers").at("X-Request-Id"), ref("X-Request-Id"))
                    << method << " " << path << " " << status;
            }
        }
    }
    const auto& cached_ok = doc.at("paths").at("/cached").at("get").at("responses").at("200");
    for (const auto* name : {"X-Cache", "ETag", "Age"}) {
        EXPECT_EQ(cached_ok.at("headers").at(name), ref(name)) << name;
    }
    EXPECT_FALSE(doc.at("paths")
                     .at("/plain")
                     .at("get")
                     .at("responses")
                     .at("200")
                     .at("headers")
                     .contains("X-Cache"));
    EXPECT_EQ(doc.at("paths")
                  .at("/plain")
                  .at("get")
                  .at("responses")
                  .at("503")
                  .at("headers")
                  .at("Retry-After"),
              ref("Retry-After"));

    const auto& headers = doc.at("components").at("headers");
    EXPECT_EQ(headers.at("X-Cache").at("schema").at("enum"),
              json::parse(R"(["HIT", "MISS", "STALE"])"));
    EXPECT_EQ(headers.at("Age").at("schema").at("type"), "integer");
    EXPECT_TRUE(headers.at("X-Request-Id").at("required").get<bool>());
}

TEST(openapi, defines_only_the_headers_it_uses) {
    const auto doc = document({row("plain", http::verb::get, "/plain")});
    const auto& headers = doc.at("components").at("headers");
    for (const auto* name : {"X-Cache", "ETag", "Age", "WWW-Authenticate"}) {
        EXPECT_FALSE(headers.contains(name)) << name;
    }
    EXPECT_TRUE(headers.contains("X-Request-Id"));
}

TEST(openapi, templates_that_differ_only_in_parameter_names_are_one_path) {
    const auto doc = document(
        {row("item", http::verb::get, "/items/{id}", {{"id", {}}}),
         row("item_put", http::verb::put, "/items/{itemId}", {{"itemId", pattern("[0-9]+")}})});
    ASSERT_FALSE(doc.at("paths").contains("/items/{itemId}"));
    const auto& put = doc.at("paths").at("/items/{id}").at("put");
    EXPECT_EQ(put.at("operationId"), "item_put");
    EXPECT_EQ(put.at("parameters").at(0).at("name"), "id");
    EXPECT_EQ(put.at("parameters").at(0).at("schema").at("pattern"), "^(?:[0-9]+)$");
}

TEST(openapi, the_gateways_own_endpoints_are_described) {
    const auto doc = document({});
    const auto& paths = doc.at("paths");
    EXPECT_EQ(statuses(paths.at("/healthz").at("get")),
              (std::set<std::string>{"200", "400", "431"}));
    EXPECT_EQ(statuses(paths.at("/readyz").at("get")),
              (std::set<std::string>{"200", "400", "431", "503"}));
    EXPECT_TRUE(paths.at("/metrics")
                    .at("get")
                    .at("responses")
                    .at("200")
                    .at("content")
                    .contains("text/plain"));
    EXPECT_TRUE(paths.at("/openapi.json")
                    .at("get")
                    .at("responses")
                    .at("200")
                    .at("content")
                    .contains("application/json"));
}

TEST(openapi, names_no_upstream) {
    auto secretive = row("secretive", http::verb::post, "/visible/{id}", {{"id", {}}});
    secretive.upstream = "zqupstreamname";
    secretive.upstream_path = "/zq-hidden-upstream-path/{id}";
    secretive.required_scopes = {"things.write"};
    for (const auto& inputs :
         {openapi_inputs{.admin_enabled = true}, openapi_inputs{.admin_enabled = true,
                                                 .rate_limited = true,
                                                 .client_auth = either_auth,
                                                 .circuit_breaker = true}}) {
        const auto text = make_openapi(route_table({secretive}), inputs);
        EXPECT_NE(text.find("/visible/{id}"), std::string::npos);
        for (const auto* word : {"zqupstreamname", "zq-hidden-upstream-path", "/v1/things"}) {
            EXPECT_EQ(text.find(word), std::string::npos) << word;
        }
    }
}

TEST(openapi, operation_ids_are_unique_across_the_document) {
    const auto doc = document({row("a", http::verb::get, "/a"), row("b", http::verb::post, "/a")},
                              {.admin_enabled = true});
    std::set<std::string> ids;
    std::size_t operations = 0;
    for (const auto& [path, item] : doc.at("paths").items()) {
        for (const auto& [method, operation] : item.items()) {
            ids.insert(operation.at("operationId").get<std::string>());
            ++operations;
        }
    }
    // a, a_head, b, four gateway endpoints, the admin purge and reload.
    EXPECT_EQ(operations, 9u);
    EXPECT_EQ(ids.size(), operations);
}

} // namespace
} // namespace kore_gateway
