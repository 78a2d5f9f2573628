#include "kore_gateway/gateway/call_builder.hpp"

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/handler_answers.hpp"

namespace kore_gateway {
namespace {

using testing::as_received;
using testing::body_json;
using testing::is_gateway_error;
using param_list = std::vector<std::pair<std::string, std::string>>;

constexpr auto call_builder_routes_json = R"([
    {"name": "search", "method": "GET", "path": "/crm/items/search", "upstream": "crm",
     "upstream_path": "/items/search",
     "query": {"q": {"required": true, "pattern": "[a-z ]{1,20}"}, "page": {}},
     "forward_headers": ["x-tenant", "accept-language"]},
    {"name": "item_update", "method": "PUT", "path": "/crm/items/{id}", "upstream": "crm",
     "upstream_path": "/items/{id}",
     "body_schema": {"type": "object", "required": ["name"], "additionalProperties": false,
                     "properties": {"name": {"type": "string"}, "seats": {"type": "integer"}}}},
    {"name": "item_create", "method": "POST", "path": "/crm/items", "upstream": "crm",
     "upstream_path": "/items"},
    {"name": "item_delete", "method": "DELETE", "path": "/crm/items/{id}", "upstream": "crm",
     "upstream_path": "/items/{id}"}])";

route_table builder_route_table() {
    gateway_config config;
    config.upstream_names.insert("crm");
    config.routes_source = nlohmann::json::parse(call_builder_routes_json);
    return build_route_table(config);
}

class call_builder_test : public ::testing::Test {
protected:
    // The call built for req as the dispatcher builds it: matched, then checked.
    std::optional<route_outcome> build(request& req) {
        const std::string target(req.target());
        const auto question = target.find('?');
        const auto path = target.substr(0, question);
        const auto query =
            question == std::string::npos ? std::string() : target.substr(question + 1);
        auto lookup = matcher_.match(req.method(), path);
        EXPECT_EQ(lookup.result, route_lookup::outcome::matched) << target;
        call_ = upstream_call{};
        return build_upstream_call(std::move(lookup), req, query, call_);
    }

    static request make_request(http::verb method, const std::string& target, std::string body = {},
                                std::string content_type = {}) {
        request req{method, target, 11};
        req.set(http::field::host, "gw");
        if (!content_type.empty()) {
            req.set(http::field::content_type, content_type);
        }
        req.body() = std::move(body);
        return req;
    }

    const route_table table_ = builder_route_table();
    const route_matcher matcher_{table_};
    upstream_call call_;
};

TEST_F(call_builder_test, a_query_is_checked_decoded_and_sorted_by_name) {
    struct query_case {
        std::string query;
        param_list expected;
    };
    const std::vector<query_case> cases{
        {"q=red+shoes&page=2", {{"page", "2"}, {"q", "red shoes"}}},
        {"page=2&q=a%20b", {{"page", "2"}, {"q", "a b"}}},
        {"q=x", {{"q", "x"}}},
        {"q=x&&", {{"q", "x"}}},
    };
    for (const auto& c : cases) {
        auto req = make_request(http::verb::get, "/crm/items/search?" + c.query);
        const auto refused = build(req);
        ASSERT_FALSE(refused) << c.query << ": " << as_received(refused->res).body();
        EXPECT_EQ(call_.query, c.expected) << c.query;
        EXPECT_EQ(call_.row, table_.find("search"));
        EXPECT_EQ(call_.method, http::verb::get);
    }
}

TEST_F(call_builder_test, a_query_outside_the_rows_rules_is_400_saying_why) {
    struct refusal_case {
        std::string query;
        std::string problem;
    };
    const std::vector<refusal_case> cases{
        {"q=x&colour=red", "unknown query parameter 'colour'"},
        {"page=2", "q is required"},
        {"", "q is required"},
        {"q=x&q=y", "q must be given once"},
        {"q=RED", "q must"},
    };
    for (const auto& c : cases) {
        auto req = make_request(http::verb::get, "/crm/items/search?" + c.query);
        const auto refused = build(req);
        ASSERT_TRUE(refused) << c.query;
        const auto res = as_received(refused->res);
        EXPECT_TRUE(is_gateway_error(res, 400, "bad_request")) << c.query;
        EXPECT_NE(body_json(res).value("message", "").find(c.problem), std::string::npos)
            << c.query << ": " << res.body();
        EXPECT_FALSE(refused->error_id.empty());
    }
}

TEST_F(call_builder_test, path_parameters_and_a_valid_body_go_into_the_call) {
    const std::string body = R"({"name":"Ada","seats":3})";
    auto req =
        make_request(http::verb::put, "/crm/items/42", body, "application/json; charset=utf-8");
    ASSERT_FALSE(build(req));
    EXPECT_EQ(call_.row, table_.find("item_update"));
    EXPECT_EQ(call_.method, http::verb::put);
    ASSERT_EQ(call_.params.size(), 1u);
    EXPECT_EQ(call_.params[0].first, "id");
    EXPECT_EQ(call_.params[0].second, "42");
    EXPECT_EQ(call_.body, body);
    EXPECT_EQ(call_.content_type, "application/json; charset=utf-8");
    EXPECT_TRUE(req.body().empty()) << "the body was copied, not moved";
}

TEST_F(call_builder_test, a_body_failing_its_schema_is_400_with_each_failure_listed) {
    auto req = make_request(http::verb::put, "/crm/items/42", R"({"seats":"many","extra":1})",
                            "application/json");
    const auto refused = build(req);
    ASSERT_TRUE(refused);
    const auto res = as_received(refused->res);
    ASSERT_TRUE(is_gateway_error(res, 400, "bad_request"));
    const auto answer = body_json(res);
    EXPECT_TRUE(answer["message"].get<std::string>().starts_with("request body ")) << res.body();
    const auto& details = answer["errors"];
    ASSERT_GE(details.size(), 2u) << res.body();
    std::vector<std::string> pointers;
    for (const auto& detail : details) {
        pointers.push_back(detail["pointer"]);
    }
    EXPECT_NE(std::find(pointers.begin(), pointers.end(), "/seats"), pointers.end()) << res.body();
    EXPECT_TRUE(call_.body.empty());
}

TEST_F(call_builder_test, a_body_that_is_not_json_is_400) {
    const std::vector<std::pair<http::verb, std::string>> writes{
        {http::verb::put, "/crm/items/42"}, // with a schema
        {http::verb::post, "/crm/items"},   // without
    };
    for (const auto& [method, target] : writes) {
        auto req = make_request(method, target, "{not json", "application/json");
        const auto refused = build(req);
        ASSERT_TRUE(refused) << target;
        const auto res = as_received(refused->res);
        EXPECT_TRUE(is_gateway_error(res, 400, "bad_request")) << target;
        EXPECT_EQ(body_json(res).value("message", ""), "the request body is not valid JSON");
    }
    // Without a schema any JSON value goes, not only an object.
    auto any = make_request(http::verb::post, "/crm/items", "[1,2]", "application/json");
    EXPECT_FALSE(build(any));
    EXPECT_EQ(call_.body, "[1,2]");
}

TEST_F(call_builder_test, a_write_body_must_be_sent_as_json) {
    struct media_case {
        std::string content_type;
        unsigned status; // 0: accepted
    };
    const std::vector<media_case> cases{
        {"", 0},
        {"application/json", 0},
        {"Application/JSON ; charset=utf-8", 0},
        {"application/merge-patch+json", 0},
        {"text/plain", 415},
        {"application/x-www-form-urlencoded", 415},
    };
    for (const auto& c : cases) {
        auto req = make_request(http::verb::post, "/crm/items", R"({"a":1})", c.content_type);
        const auto refused = build(req);
        if (c.status == 0) {
            EXPECT_FALSE(refused) << c.content_type;
            EXPECT_EQ(call_.content_type, c.content_type);
        } else {
            ASSERT_TRUE(refused) << c.content_type;
            EXPECT_TRUE(
                is_gateway_error(as_received(refused->res), c.status, "unsupported_media_type"))
                << c.content_type;
        }
    }
}

TEST_F(call_builder_test, json_media_types_are_json_and_the_suffix_counts) {
    struct type_case {
        std::string content_type;
        bool json;
    };
    const std::vector<type_case> cases{
        {"application/json", true},
        {"application/json;charset=utf-8", true},
        {"APPLICATION/JSON", true},
        {"  application/json  ", true},
        {"application/problem+json", true},
        {"application/vnd.api+JSON; v=1", true},
        {"", true},
        {"text/plain", false},
        {"application/jsonp", false},
        {"application/json-seq", false},
        {"+json", false},
        {"vnd+json", false},
        {"text/html; x=application/json", false},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(is_json_media_type(c.content_type), c.json) << "'" << c.content_type << "'";
    }
}

TEST_F(call_builder_test, a_delete_must_not_have_a_body) {
    auto with_body = make_request(http::verb::delete_, "/crm/items/42", R"({"a":1})");
    const auto refused = build(with_body);
    ASSERT_TRUE(refused);
    EXPECT_TRUE(is_gateway_error(as_received(refused->res), 400, "bad_request"));
    auto without = make_request(http::verb::delete_, "/crm/items/42");
    EXPECT_FALSE(build(without));
    EXPECT_TRUE(call_.body.empty());
    EXPECT_TRUE(call_.content_type.empty());
}

TEST_F(call_builder_test, only_the_rows_forward_headers_are_copied_with_repeated_lines_joined) {
    auto req = make_request(http::verb::get, "/crm/items/search?q=x");
    req.insert("X-Tenant", "acme");
    req.insert("x-tenant", "beta");
    req.set(http::field::authorization, "Bearer client-token");
    req.set(http::field::cookie, "session=1");
    req.set("X-Other", "no");
    ASSERT_FALSE(build(req));
    EXPECT_EQ(call_.headers, (param_list{{"x-tenant", "acme, beta"}}));

    req.set(http::field::accept_language, "de");
    ASSERT_FALSE(build(req));
    EXPECT_EQ(call_.headers, (param_list{{"x-tenant", "acme, beta"}, {"accept-language", "de"}}));
}

TEST_F(call_builder_test, if_none_match_is_kept_for_the_304_check) {
    auto plain = make_request(http::verb::get, "/crm/items/search?q=x");
    ASSERT_FALSE(build(plain));
    EXPECT_TRUE(call_.if_none_match.empty());

    auto conditional = make_request(http::verb::get, "/crm/items/search?q=x");
    conditional.insert(http::field::if_none_match, "\"a\"");
    conditional.insert(http::field::if_none_match, "W/\"b\"");
    ASSERT_FALSE(build(conditional));
    EXPECT_EQ(call_.if_none_match, "\"a\", W/\"b\"");
    EXPECT_TRUE(call_.headers.empty()) << "If-None-Match is not a forwarded header";
}

} // namespace
} // namespace kore_gateway
