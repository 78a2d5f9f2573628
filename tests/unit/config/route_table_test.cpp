#include "kore_gateway/config/route_table.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace kore_gateway {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

route_table_inputs test_inputs() {
    route_table_inputs inputs;
    inputs.deals_ttl = 60s;
    inputs.catalog_ttl = 300s;
    inputs.upstream_names = {"kore", "catalog", "crm"};
    return inputs;
}

struct built {
    route_table table;
    std::vector<std::string> problems;
};

built build(const std::string& routes_json) {
    const auto routes = json::parse(routes_json);
    std::vector<std::string> problems;
    auto table = build_route_table(&routes, test_inputs(), problems);
    return {std::move(table), std::move(problems)};
}

// A valid route of the extra upstream, with one member replaced or added.
std::string crm_route(const std::string& extra = "", const std::string& name = "crm_item") {
    return R"({"name": ")" + name +
           R"(", "method": "GET", "path": "/crm/items/{itemId}", "upstream": "crm",
               "upstream_path": "/v2/items/{itemId}")" +
           (extra.empty() ? "" : ", " + extra) + "}";
}

std::vector<std::string> names_of(const route_table& table) {
    std::vector<std::string> names;
    for (const auto& row : table.rows()) {
        names.push_back(row.name);
    }
    return names;
}

TEST(route_table, without_routes_holds_the_four_builtins_of_section_10) {
    std::vector<std::string> problems;
    const auto table = build_route_table(nullptr, test_inputs(), problems);
    ASSERT_TRUE(problems.empty()) << problems.front();
    EXPECT_EQ(names_of(table), (std::vector<std::string>{"deal", "catalog_products",
                                                         "catalog_offers", "catalog_price"}));

    const auto& deal = *table.find("deal");
    EXPECT_EQ(deal.method, http::verb::get);
    EXPECT_EQ(deal.path, "/deals/{opportunityId}");
    ASSERT_EQ(deal.params.size(), 1u);
    EXPECT_EQ(deal.params[0].name, "opportunityId");
    EXPECT_EQ(deal.params[0].value.pattern, nullptr);
    EXPECT_EQ(deal.upstream, "kore");
    EXPECT_EQ(deal.upstream_method, http::verb::get);
    EXPECT_EQ(deal.upstream_path,
              "/aggregates/premium-deal-summaries/by-opportunity/{opportunityId}");
    EXPECT_EQ(deal.cache_ttl, 60s);
    EXPECT_TRUE(deal.query.empty());
    EXPECT_EQ(deal.body_schema, nullptr);

    const auto& products = *table.find("catalog_products");
    EXPECT_EQ(products.path, "/catalog/products");
    EXPECT_EQ(products.upstream, "catalog");
    EXPECT_EQ(products.upstream_path, "/api/v1/products");
    EXPECT_EQ(products.cache_ttl, 300s);

    const auto& offers = *table.find("catalog_offers");
    EXPECT_EQ(offers.upstream_path, "/api/v1/products/{productId}/offers");
    ASSERT_EQ(offers.query.size(), 1u);
    EXPECT_EQ(offers.query[0].name, "customerId");
    EXPECT_TRUE(offers.query[0].required);
    EXPECT_EQ(offers.cache_ttl, 300s);

    const auto& price = *table.find("catalog_price");
    EXPECT_EQ(price.method, http::verb::post);
    EXPECT_EQ(price.upstream_method, http::verb::post);
    EXPECT_EQ(price.path, "/catalog/products/{productId}/offers/{offerId}/price");
    EXPECT_EQ(price.upstream_path, "/api/v1/products/{productId}/offers/{offerId}/price");
    ASSERT_EQ(price.query.size(), 1u);
    EXPECT_FALSE(price.query[0].required);
    EXPECT_EQ(price.cache_ttl, 0s);
    ASSERT_NE(price.body_schema, nullptr);
    EXPECT_TRUE(price.body_schema
                    ->validate(json::parse(R"({"formData":[{"elementKey":"k","elementValue":1}]})"))
                    .empty());
    EXPECT_FALSE(
        price.body_schema->validate(json::parse(R"({"formData":[{"elementKey":1}]})")).empty());
}

TEST(route_table, an_empty_routes_array_also_gives_the_builtins) {
    const auto result = build("[]");
    EXPECT_TRUE(result.problems.empty());
    EXPECT_EQ(result.table.rows().size(), 4u);
}

TEST(route_table, a_minimal_route_gets_the_documented_defaults) {
    const auto result = build("[" + crm_route() + "]");
    ASSERT_TRUE(result.problems.empty()) << result.problems.front();
    const auto* row = result.table.find("crm_item");
    ASSERT_NE(row, nullptr);
    EXPECT_EQ(row->method, http::verb::get);
    EXPECT_EQ(row->upstream_method, http::verb::get);
    ASSERT_EQ(row->params.size(), 1u);
    EXPECT_EQ(row->params[0].name, "itemId");
    EXPECT_TRUE(row->params[0].value.pattern_text.empty());
    EXPECT_TRUE(row->query.empty());
    EXPECT_TRUE(row->forward_headers.empty());
    EXPECT_EQ(row->body_schema, nullptr);
    EXPECT_EQ(row->cache_ttl, 0s);
    EXPECT_TRUE(row->invalidates.empty());
    EXPECT_EQ(row->timeout, std::nullopt);
    EXPECT_FALSE(row->is_write());
}

TEST(route_table, every_field_is_stored_as_configured) {
    const auto result = build(R"([)" + crm_route() + R"(,
        {"name": "crm_update", "enabled": true, "method": "PATCH",
         "path": "/crm/items/{itemId}/{part}", "upstream": "crm", "upstream_method": "PUT",
         "upstream_path": "/v2/items/{itemId}/parts/{part}",
         "params": {"itemId": {"pattern": "[0-9]{1,6}"}},
         "query": {"zeta": {"required": true}, "alpha": {"pattern": "[a-z]+"}},
         "forward_headers": ["If-Match", "X-Tenant", "if-match"],
         "body_schema": {"type": "object"},
         "invalidates": ["crm_item", "crm_item"], "timeout_ms": 2500}])");
    ASSERT_TRUE(result.problems.empty()) << result.problems.front();
    const auto& row = *result.table.find("crm_update");
    EXPECT_EQ(row.method, http::verb::patch);
    EXPECT_EQ(row.upstream_method, http::verb::put);
    ASSERT_EQ(row.params.size(), 2u);
    EXPECT_EQ(row.params[0].value.pattern_text, "[0-9]{1,6}");
    EXPECT_EQ(row.params[1].name, "part");
    EXPECT_EQ(row.params[1].value.pattern, nullptr);
    ASSERT_EQ(row.query.size(), 2u);
    EXPECT_EQ(row.query[0].name, "alpha"); // sorted by name
    EXPECT_FALSE(row.query[0].required);
    EXPECT_EQ(row.query[1].name, "zeta");
    EXPECT_TRUE(row.query[1].required);
    EXPECT_EQ(row.forward_headers, (std::vector<std::string>{"if-match", "x-tenant"}));
    ASSERT_NE(row.body_schema, nullptr);
    EXPECT_EQ(row.body_schema->source(), json::parse(R"({"type": "object"})"));
    EXPECT_EQ(row.invalidates, std::vector<std::string>{"crm_item"});
    EXPECT_EQ(row.timeout, 2500ms);
    EXPECT_TRUE(row.has_body());
}

TEST(route_table, file_routes_follow_the_builtins_in_file_order) {
    const auto result = build("[" + crm_route("", "zz") + "," +
                              R"({"name": "aa", "method": "GET", "path": "/crm/a",
                                  "upstream": "crm", "upstream_path": "/a"}])");
    ASSERT_TRUE(result.problems.empty()) << result.problems.front();
    EXPECT_EQ(names_of(result.table),
              (std::vector<std::string>{"deal", "catalog_products", "catalog_offers",
                                        "catalog_price", "zz", "aa"}));
}

TEST(route_table, a_route_named_like_a_builtin_replaces_it_wholly_in_its_place) {
    const auto result = build(R"([{"name": "catalog_offers", "method": "GET",
        "path": "/catalog/products/{productId}/offers", "upstream": "catalog",
        "upstream_path": "/api/v2/products/{productId}/offers"}])");
    ASSERT_TRUE(result.problems.empty()) << result.problems.front();
    EXPECT_EQ(
        names_of(result.table),
        (std::vector<std::string>{"deal", "catalog_products", "catalog_offers", "catalog_price"}));
    const auto& offers = *result.table.find("catalog_offers");
    EXPECT_EQ(offers.upstream_path, "/api/v2/products/{productId}/offers");
    // Its own defaults: no query rule, no TTL.
    EXPECT_TRUE(offers.query.empty());
    EXPECT_EQ(offers.cache_ttl, 0s);
}

TEST(route_table, enabled_false_removes_a_builtin_with_no_other_field) {
    const auto result = build(R"([{"name": "catalog_price", "enabled": false},
                                  {"name": "deal", "enabled": false, "method": "GET"}])");
    ASSERT_TRUE(result.problems.empty()) << result.problems.front();
    EXPECT_EQ(names_of(result.table),
              (std::vector<std::string>{"catalog_products", "catalog_offers"}));
}

TEST(route_table, a_disabled_file_route_is_left_out) {
    const auto result = build("[" + crm_route(R"("enabled": false)") + "]");
    ASSERT_TRUE(result.problems.empty());
    EXPECT_EQ(result.table.find("crm_item"), nullptr);
}

struct fault_case {
    std::string routes;                // a "routes" array with exactly one fault
    std::vector<std::string> expected; // substrings of the one problem: route, field, why
};

TEST(route_table, each_fault_is_reported_naming_route_and_field) {
    const auto post = [](const std::string& extra, const std::string& path = "/crm/items") {
        return R"({"name": "crm_post", "method": "POST", "path": ")" + path +
               R"(", "upstream": "crm", "upstream_path": "/v2/items")" +
               (extra.empty() ? "" : ", " + extra) + "}";
    };
    const auto with_path = [](const std::string& path, const std::string& upstream_path = "/x") {
        return R"([{"name": "p", "method": "GET", "path": ")" + path +
               R"(", "upstream": "crm", "upstream_path": ")" + upstream_path + R"("}])";
    };
    const std::vector<fault_case> cases{
        // Structure.
        {R"({"name": "x"})", {"routes", "array"}},
        {R"([42])", {"routes[0]", "object"}},
        {"[" + crm_route(R"("cache_ttl": 5)") + "]",
         {"routes[0] 'crm_item'", "'cache_ttl'", "unknown field"}},
        {"[" + crm_route(R"("client_id": "x")") + "]",
         {"routes[0] 'crm_item'", "'client_id'", "unknown field"}},
        // Missing required fields.
        {R"([{"method": "GET", "path": "/a", "upstream": "crm", "upstream_path": "/a"}])",
         {"routes[0]:", "'name'", "required"}},
        {R"([{"name": "a", "path": "/a", "upstream": "crm", "upstream_path": "/a"}])",
         {"routes[0] 'a'", "'method'", "required"}},
        {R"([{"name": "a", "method": "GET", "upstream": "crm", "upstream_path": "/a"}])",
         {"routes[0] 'a'", "'path'", "required"}},
        {R"([{"name": "a", "method": "GET", "path": "/a", "upstream_path": "/a"}])",
         {"routes[0] 'a'", "'upstream'", "required"}},
        {R"([{"name": "a", "method": "GET", "path": "/a", "upstream": "crm"}])",
         {"routes[0] 'a'", "'upstream_path'", "required"}},
        // Wrong types.
        {R"([{"name": 5, "method": "GET", "path": "/a", "upstream": "crm", "upstream_path": "/a"}])",
         {"routes[0]:", "'name'", "string"}},
        {"[" + crm_route(R"("enabled": "no")") + "]", {"'crm_item'", "'enabled'", "boolean"}},
        {R"([{"name": "a", "method": 1, "path": "/a", "upstream": "crm", "upstream_path": "/a"}])",
         {"'a'", "'method'", "string"}},
        {R"([{"name": "a", "method": "GET", "path": ["/a"], "upstream": "crm", "upstream_path": "/a"}])",
         {"'a'", "'path'", "string"}},
        {"[" + crm_route(R"("params": [])") + "]", {"'crm_item'", "'params'", "object"}},
        {"[" + crm_route(R"("params": {"itemId": "[0-9]+"})") + "]",
         {"'crm_item'", "'params.itemId'", "object"}},
        {"[" + crm_route(R"("params": {"itemId": {"pattern": 5}})") + "]",
         {"'crm_item'", "'params.itemId.pattern'", "string"}},
        {"[" + crm_route(R"("params": {"itemId": {"regex": "x"}})") + "]",
         {"'crm_item'", "'params.itemId.regex'", "unknown"}},
        {"[" + crm_route(R"("query": ["q"])") + "]", {"'crm_item'", "'query'", "object"}},
        {"[" + crm_route(R"("query": {"q": true})") + "]", {"'crm_item'", "'query.q'", "object"}},
        {"[" + crm_route(R"("query": {"q": {"required": "yes"}})") + "]",
         {"'crm_item'", "'query.q.required'", "boolean"}},
        {"[" + crm_route(R"("query": {"q": {"default": "1"}})") + "]",
         {"'crm_item'", "'query.q.default'", "unknown"}},
        {"[" + crm_route(R"("query": {"a b": {}})") + "]", {"'crm_item'", "'query.a b'", "name"}},
        {"[" + crm_route(R"("forward_headers": "X-Tenant")") + "]",
         {"'crm_item'", "'forward_headers'", "array"}},
        {"[" + crm_route(R"("forward_headers": [1])") + "]",
         {"'crm_item'", "'forward_headers[0]'", "string"}},
        {"[" + crm_route(R"("cache_ttl_s": "5")") + "]",
         {"'crm_item'", "'cache_ttl_s'", "integer"}},
        {"[" + crm_route(R"("cache_ttl_s": 1.5)") + "]",
         {"'crm_item'", "'cache_ttl_s'", "integer"}},
        {"[" + crm_route(R"("timeout_ms": true)") + "]", {"'crm_item'", "'timeout_ms'", "integer"}},
        {"[" + crm_route() + "," + post(R"("invalidates": "crm_item")") + "]",
         {"routes[1] 'crm_post'", "'invalidates'", "array"}},
        // Bad values.
        {R"([{"name": "Crm", "method": "GET", "path": "/a", "upstream": "crm", "upstream_path": "/a"}])",
         {"routes[0]", "'name'", "'Crm'"}},
        {R"([{"name": "1a", "method": "GET", "path": "/a", "upstream": "crm", "upstream_path": "/a"}])",
         {"routes[0]", "'name'", "[a-z][a-z0-9_]{0,63}"}},
        {R"([{"name": ")" + std::string(65, 'a') +
             R"(", "method": "GET", "path": "/a", "upstream": "crm", "upstream_path": "/a"}])",
         {"routes[0]", "'name'", "[a-z][a-z0-9_]{0,63}"}},
        {R"([{"name": "a", "method": "get", "path": "/a", "upstream": "crm", "upstream_path": "/a"}])",
         {"'a'", "'method'", "'get'"}},
        {R"([{"name": "a", "method": "HEAD", "path": "/a", "upstream": "crm", "upstream_path": "/a"}])",
         {"'a'", "'method'", "GET, POST, PUT, PATCH, DELETE"}},
        {"[" + crm_route(R"("upstream_method": "OPTIONS")") + "]",
         {"'crm_item'", "'upstream_method'", "'OPTIONS'"}},
        {"[" + crm_route(R"("cache_ttl_s": -1)") + "]",
         {"'crm_item'", "'cache_ttl_s'", "between 0 and 31536000"}},
        {"[" + crm_route(R"("cache_ttl_s": 31536001)") + "]",
         {"'crm_item'", "'cache_ttl_s'", "between"}},
        {"[" + crm_route(R"("timeout_ms": 0)") + "]",
         {"'crm_item'", "'timeout_ms'", "between 1 and 3600000"}},
        {"[" + crm_route(R"("timeout_ms": 3600001)") + "]",
         {"'crm_item'", "'timeout_ms'", "between"}},
        {"[" + crm_route() + "," + crm_route(R"("enabled": false)") + "]",
         {"routes[1] 'crm_item'", "'name'", "duplicate", "routes[0]"}},
        {R"([{"name": "a", "method": "GET", "path": "/a", "upstream": "korex", "upstream_path": "/a"}])",
         {"routes[0] 'a'", "'upstream'", "unknown upstream 'korex'"}},
        // Templates.
        {with_path("/a/{id}", "/x/{id}/{other}"), {"'p'", "'upstream_path'", "{other}"}},
        {with_path("/a", "x"), {"'p'", "'upstream_path'", "'/'"}},
        {with_path("/a", "/x/{y"), {"'p'", "'upstream_path'", "malformed"}},
        {"[" + crm_route(R"("params": {"other": {"pattern": "x"}})") + "]",
         {"'crm_item'", "'params.other'", "{other}"}},
        {with_path("a/b"), {"'p'", "'path'", "start with '/'"}},
        {with_path("/a//b"), {"'p'", "'path'", "empty segment"}},
        {with_path("/a/"), {"'p'", "'path'", "empty segment"}},
        {with_path("/"), {"'p'", "'path'", "empty segment"}},
        {with_path("/a/{b"), {"'p'", "'path'", "malformed"}},
        {with_path("/a/b}"), {"'p'", "'path'", "malformed"}},
        {with_path("/a/x{b}"), {"'p'", "'path'", "malformed"}},
        {with_path("/a/{}"), {"'p'", "'path'", "malformed"}},
        {with_path("/a/{1b}"), {"'p'", "'path'", "malformed"}},
        {with_path("/a/{b-c}"), {"'p'", "'path'", "malformed"}},
        {with_path("/a/{x}/{x}", "/x/{x}"), {"'p'", "'path'", "'x' appears twice"}},
        {with_path("/a/../b"), {"'p'", "'path'", "dot segment"}},
        {with_path("/a b"), {"'p'", "'path'", "not allowed"}},
        {with_path("/a?b"), {"'p'", "'path'", "not allowed"}},
        {with_path("/a%zz"), {"'p'", "'path'", "not allowed"}},
        {with_path("/healthz"), {"'p'", "'path'", "shadow"}},
        {with_path("/readyz"), {"'p'", "'path'", "shadow"}},
        {with_path("/metrics"), {"'p'", "'path'", "shadow"}},
        {with_path("/openapi.json"), {"'p'", "'path'", "shadow"}},
        {with_path("/admin"), {"'p'", "'path'", "shadow"}},
        {with_path("/admin/reload"), {"'p'", "'path'", "shadow"}},
        {with_path("/admin/{x}/y"), {"'p'", "'path'", "shadow"}},
        // Templates of one shape and method.
        {"[" + crm_route() + "," +
             R"({"name": "other", "method": "GET", "path": "/crm/items/{id}", "upstream": "crm",
                 "upstream_path": "/v2/{id}"}])",
         {"routes[1] 'other'", "'path'", "routes[0] 'crm_item'"}},
        {R"([{"name": "deal_copy", "method": "GET", "path": "/deals/{id}", "upstream": "kore",
              "upstream_path": "/d/{id}"}])",
         {"routes[0] 'deal_copy'", "'path'", "built-in route 'deal'"}},
        // Regular expressions and schemas.
        {"[" + crm_route(R"("params": {"itemId": {"pattern": "([0-9]"}})") + "]",
         {"'crm_item'", "'params.itemId.pattern'", "bad regular expression"}},
        {"[" + crm_route(R"("query": {"q": {"pattern": "[a-"}})") + "]",
         {"'crm_item'", "'query.q.pattern'", "bad regular expression"}},
        {"[" + crm_route(R"("params": {"itemId": {"pattern": ""}})") + "]",
         {"'crm_item'", "'params.itemId.pattern'", "empty"}},
        {"[" + post(R"("body_schema": {"oneOf": []})") + "]",
         {"routes[0] 'crm_post'", "body_schema", "oneOf"}},
        // Invalidations.
        {"[" + post(R"("invalidates": ["nothing"])") + "]",
         {"routes[0] 'crm_post'", "'invalidates'", "'nothing'"}},
        {"[" + post(R"("invalidates": ["catalog_price"])") + "]",
         {"routes[0] 'crm_post'", "'invalidates'", "'catalog_price' is not a GET route"}},
        {R"([{"name": "deal", "enabled": false},)" + post(R"("invalidates": ["deal"])") + "]",
         {"routes[1] 'crm_post'", "'invalidates'", "'deal'"}},
        // Fields that belong to other methods.
        {"[" + crm_route(R"("invalidates": ["deal"])") + "]",
         {"'crm_item'", "'invalidates'", "write routes"}},
        {"[" + crm_route(R"("body_schema": {"type": "object"})") + "]",
         {"'crm_item'", "'body_schema'", "POST, PUT and PATCH"}},
        {R"([{"name": "d", "method": "DELETE", "path": "/crm/items/{itemId}", "upstream": "crm",
              "upstream_path": "/v2/items/{itemId}", "body_schema": {}}])",
         {"'d'", "'body_schema'", "POST, PUT and PATCH"}},
        {"[" + post(R"("cache_ttl_s": 10)") + "]", {"'crm_post'", "'cache_ttl_s'", "GET"}},
    };
    for (const auto& c : cases) {
        const auto result = build(c.routes);
        ASSERT_EQ(result.problems.size(), 1u) << c.routes << "\n"
                                              << ::testing::PrintToString(result.problems);
        for (const auto& part : c.expected) {
            EXPECT_NE(result.problems[0].find(part), std::string::npos)
                << "'" << part << "' not in: " << result.problems[0];
        }
    }
}

TEST(route_table, forbidden_and_malformed_forwarded_headers_are_refused) {
    for (const char* header :
         {"Authorization", "x-api-key", "Cookie", "Host", "Connection", "Keep-Alive",
          "Proxy-Authorization", "proxy-connection", "TE", "Trailer", "Transfer-Encoding",
          "Upgrade", "Content-Length", "", "X Tenant", "X-Tenant:", "X-Ténant"}) {
        const auto result =
            build("[" + crm_route(R"("forward_headers": [)" + json(header).dump() + "]") + "]");
        ASSERT_EQ(result.problems.size(), 1u) << header;
        EXPECT_NE(result.problems[0].find("routes[0] 'crm_item': field 'forward_headers'"),
                  std::string::npos)
            << result.problems[0];
    }
}

TEST(route_table, reports_every_fault_at_once) {
    const auto result = build(R"([
        {"name": "a", "method": "FETCH", "path": "/a//b", "upstream": "nowhere",
         "upstream_path": "/x", "colour": "blue"},
        {"name": "b", "method": "POST", "path": "/b", "upstream": "crm", "upstream_path": "/b",
         "timeout_ms": 0, "forward_headers": ["Cookie"], "invalidates": ["nothing"]},
        {"name": "Bad Name", "method": "GET", "path": "/deals/{id}", "upstream": "crm",
         "upstream_path": "/c", "cache_ttl_s": -5}])");
    const std::vector<std::string> expected{"routes[0] 'a': field 'colour'",
                                            "routes[0] 'a': field 'method'",
                                            "routes[0] 'a': field 'path'",
                                            "routes[0] 'a': field 'upstream'",
                                            "routes[1] 'b': field 'forward_headers'",
                                            "routes[1] 'b': field 'timeout_ms'",
                                            "routes[1] 'b': field 'invalidates'",
                                            "routes[2]: field 'name'",
                                            "routes[2]: field 'cache_ttl_s'",
                                            "routes[2]: field 'path'"};
    EXPECT_EQ(result.problems.size(), expected.size()) << ::testing::PrintToString(result.problems);
    for (const auto& part : expected) {
        EXPECT_TRUE(std::any_of(result.problems.begin(), result.problems.end(),
                                [&](const std::string& p) { return p.starts_with(part); }))
            << part;
    }
}

TEST(route_table, a_route_that_failed_is_not_reported_again_where_named) {
    const auto result = build(R"([
        {"name": "reader", "method": "FETCH", "path": "/r", "upstream": "crm",
         "upstream_path": "/r"},
        {"name": "writer", "method": "POST", "path": "/r", "upstream": "crm",
         "upstream_path": "/r", "invalidates": ["reader"]}])");
    ASSERT_EQ(result.problems.size(), 1u) << ::testing::PrintToString(result.problems);
    EXPECT_NE(result.problems[0].find("'reader': field 'method'"), std::string::npos);
}

TEST(route_table, routes_of_one_shape_with_different_methods_are_accepted) {
    const auto result = build("[" + crm_route() + R"(,
        {"name": "crm_delete", "method": "DELETE", "path": "/crm/items/{id}", "upstream": "crm",
         "upstream_path": "/v2/items/{id}", "invalidates": ["crm_item"]}])");
    EXPECT_TRUE(result.problems.empty()) << ::testing::PrintToString(result.problems);
}

TEST(route_table, shape_drops_parameter_names_only) {
    EXPECT_EQ(route_shape("/a/{x}/b/{yy}"), "/a/{}/b/{}");
    EXPECT_EQ(route_shape("/catalog/products"), "/catalog/products");
    EXPECT_EQ(route_shape("/deals/{opportunityId}"), route_shape("/deals/{id}"));
}

TEST(value_rule, default_syntax_is_checked_by_hand) {
    const value_rule rule;
    EXPECT_TRUE(rule.matches("aZ09_-"));
    EXPECT_TRUE(rule.matches(std::string(128, 'x')));
    EXPECT_FALSE(rule.matches(std::string(129, 'x')));
    for (const char* bad : {"", "a b", "a/b", "a?b", "a#b", "a%20", "é", "a.b", "a\nb", "a+b"}) {
        EXPECT_FALSE(rule.matches(bad)) << bad;
    }
    EXPECT_EQ(rule.requirement(), "must be 1 to 128 characters of A-Z a-z 0-9 _ -");
}

TEST(value_rule, a_pattern_must_match_the_whole_value) {
    value_rule rule;
    rule.pattern_text = "[0-9]+";
    rule.pattern = std::make_shared<const boost::regex>(rule.pattern_text, ecmascript_regex_flags);
    EXPECT_TRUE(rule.matches("123"));
    EXPECT_FALSE(rule.matches("12a"));
    EXPECT_FALSE(rule.matches("a12"));
    EXPECT_FALSE(rule.matches(""));
    EXPECT_EQ(rule.requirement(), "must match the pattern [0-9]+");
}

TEST(value_rule, a_long_value_is_refused_before_any_regex_runs) {
    value_rule rule;
    rule.pattern_text = "x*";
    rule.pattern = std::make_shared<const boost::regex>(rule.pattern_text, ecmascript_regex_flags);
    EXPECT_TRUE(rule.matches(std::string(value_rule::max_pattern_input, 'x')));
    EXPECT_FALSE(rule.matches(std::string(value_rule::max_pattern_input + 1, 'x')));
}

} // namespace
} // namespace kore_gateway
