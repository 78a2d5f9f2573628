#include "kore_gateway/gateway/route_matcher.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace kore_gateway {
namespace {

using json = nlohmann::json;
using lookup_outcome = route_lookup::outcome;
using query_list = std::vector<std::pair<std::string, std::string>>;

route_table make_table(const char* routes_json = nullptr) {
    route_table_inputs inputs;
    inputs.upstream_names = {"kore", "catalog", "crm"};
    std::vector<std::string> problems;
    const auto routes = routes_json != nullptr ? json::parse(routes_json) : json();
    auto table = build_route_table(routes_json != nullptr ? &routes : nullptr, inputs, problems);
    EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(problems);
    return table;
}

struct match_case {
    http::verb method;
    std::string path;
    lookup_outcome expected;
    std::string route; // the row's name unless not_found
};

void expect_cases(const route_matcher& matcher, const std::vector<match_case>& cases) {
    for (const auto& c : cases) {
        const auto m = matcher.match(c.method, c.path);
        EXPECT_EQ(m.result, c.expected) << http::to_string(c.method) << " " << c.path;
        if (c.expected == lookup_outcome::not_found) {
            EXPECT_EQ(m.row, nullptr) << c.path;
        } else {
            ASSERT_NE(m.row, nullptr) << c.path;
            EXPECT_EQ(m.row->name, c.route) << c.path;
        }
    }
}

// The cases of the router this matcher replaced, for the routes that go upstream.
TEST(route_matcher, builtin_table_answers_as_the_old_router_did) {
    const auto table = make_table();
    const route_matcher matcher(table);
    using http::verb;
    expect_cases(
        matcher,
        {
            {verb::get, "/deals/1234abcd-1234-abcd-123456789abc", lookup_outcome::matched, "deal"},
            {verb::get, "/catalog/products", lookup_outcome::matched, "catalog_products"},
            {verb::get, "/catalog/products/p_1/offers", lookup_outcome::matched, "catalog_offers"},
            {verb::post, "/catalog/products/p1/offers/o-2/price", lookup_outcome::matched,
             "catalog_price"},
            {verb::post, "/deals/abc", lookup_outcome::method_not_allowed, "deal"},
            {verb::get, "/catalog/products/p1/offers/o2/price", lookup_outcome::method_not_allowed,
             "catalog_price"},
            {verb::delete_, "/catalog/products", lookup_outcome::method_not_allowed,
             "catalog_products"},
            {verb::get, "/", lookup_outcome::not_found, ""},
            {verb::get, "", lookup_outcome::not_found, ""},
            {verb::get, "deals/abc", lookup_outcome::not_found, ""},
            {verb::get, "/deals", lookup_outcome::not_found, ""},
            {verb::get, "/deals/", lookup_outcome::bad_parameter, "deal"},
            {verb::get, "/deals/a/b", lookup_outcome::not_found, ""},
            {verb::get, "/catalog/products/", lookup_outcome::not_found, ""},
            {verb::get, "/catalog/product", lookup_outcome::not_found, ""},
            {verb::get, "/deals/..", lookup_outcome::bad_parameter, "deal"},
            {verb::get, "/deals/a%2Fb", lookup_outcome::bad_parameter, "deal"},
            {verb::get, "/deals/a.b", lookup_outcome::bad_parameter, "deal"},
            {verb::get, "/deals/" + std::string(128, 'x'), lookup_outcome::matched, "deal"},
            {verb::get, "/deals/" + std::string(129, 'x'), lookup_outcome::bad_parameter, "deal"},
            {verb::post, "/catalog/products/p1/offers/o%20/price", lookup_outcome::bad_parameter,
             "catalog_price"},
            // The gateway's own endpoints are not upstream routes: the dispatcher answers them.
            {verb::get, "/healthz", lookup_outcome::not_found, ""},
            {verb::get, "/readyz", lookup_outcome::not_found, ""},
            {verb::get, "/metrics", lookup_outcome::not_found, ""},
            {verb::post, "/admin/cache/purge", lookup_outcome::not_found, ""},
        });
}

TEST(route_matcher, extracts_named_parameters_in_path_order) {
    const auto table = make_table();
    const route_matcher matcher(table);
    const auto m = matcher.match(http::verb::post, "/catalog/products/prod-1/offers/offer_9/price");
    ASSERT_EQ(m.result, lookup_outcome::matched);
    ASSERT_EQ(m.params.size(), 2u);
    EXPECT_EQ(m.params[0].first, "productId");
    EXPECT_EQ(m.params[0].second, "prod-1");
    EXPECT_EQ(m.params[1].first, "offerId");
    EXPECT_EQ(m.params[1].second, "offer_9");
}

TEST(route_matcher, head_is_served_by_the_get_row) {
    const auto table = make_table();
    const route_matcher matcher(table);
    const auto m = matcher.match(http::verb::head, "/deals/d1");
    ASSERT_EQ(m.result, lookup_outcome::matched);
    EXPECT_EQ(m.row, table.find("deal"));
    EXPECT_EQ(m.params[0].second, "d1");
    EXPECT_EQ(matcher.match(http::verb::head, "/catalog/products/p/offers/o/price").result,
              lookup_outcome::method_not_allowed);
}

TEST(route_matcher, method_not_allowed_lists_the_paths_methods) {
    const auto table = make_table(R"([
        {"name": "item", "method": "GET", "path": "/crm/items/{id}", "upstream": "crm",
         "upstream_path": "/items/{id}"},
        {"name": "item_delete", "method": "DELETE", "path": "/crm/items/{itemId}",
         "upstream": "crm", "upstream_path": "/items/{itemId}"},
        {"name": "item_put", "method": "PUT", "path": "/crm/items/{x}", "upstream": "crm",
         "upstream_path": "/items/{x}"}])");
    const route_matcher matcher(table);
    EXPECT_EQ(matcher.match(http::verb::put, "/deals/x").allow, "GET, HEAD");
    EXPECT_EQ(matcher.match(http::verb::options, "/deals/x").allow, "GET, HEAD");
    EXPECT_EQ(matcher.match(http::verb::get, "/catalog/products/p/offers/o/price").allow, "POST");
    const auto m = matcher.match(http::verb::post, "/crm/items/7");
    EXPECT_EQ(m.result, lookup_outcome::method_not_allowed);
    EXPECT_EQ(m.allow, "GET, HEAD, PUT, DELETE");
    EXPECT_EQ(m.row, table.find("item"));
    EXPECT_TRUE(m.params.empty());
    // Each method finds its own row and parameter names.
    const auto del = matcher.match(http::verb::delete_, "/crm/items/7");
    ASSERT_EQ(del.result, lookup_outcome::matched);
    EXPECT_EQ(del.row, table.find("item_delete"));
    EXPECT_EQ(del.params[0].first, "itemId");
    EXPECT_EQ(del.allow, "GET, HEAD, PUT, DELETE");
}

TEST(route_matcher, bad_parameter_wins_over_the_method_and_names_the_parameter) {
    const auto table = make_table();
    const route_matcher matcher(table);
    for (const auto method : {http::verb::get, http::verb::post, http::verb::delete_}) {
        const auto m = matcher.match(method, "/catalog/products/bad$id/offers");
        EXPECT_EQ(m.result, lookup_outcome::bad_parameter);
        EXPECT_EQ(m.row, table.find("catalog_offers"));
        EXPECT_NE(m.problem.find("productId"), std::string::npos) << m.problem;
        EXPECT_TRUE(m.params.empty());
    }
    const auto long_value = std::string(200, 'v') + "!";
    const auto m = matcher.match(http::verb::get, "/deals/" + long_value);
    EXPECT_EQ(m.result, lookup_outcome::bad_parameter);
    EXPECT_EQ(m.problem.find("vvvv"), std::string::npos) << m.problem;
}

TEST(route_matcher, a_literal_segment_beats_a_parameter_whatever_the_file_order) {
    for (const bool search_first : {true, false}) {
        const std::string search = R"({"name": "search", "method": "GET",
            "path": "/catalog/products/search", "upstream": "catalog",
            "upstream_path": "/api/v1/search"})";
        const std::string product = R"({"name": "product", "method": "GET",
            "path": "/catalog/products/{productId}", "upstream": "catalog",
            "upstream_path": "/api/v1/products/{productId}"})";
        const std::string routes =
            "[" + (search_first ? search + "," + product : product + "," + search) + "]";
        const auto table = make_table(routes.c_str());
        const route_matcher matcher(table);
        expect_cases(
            matcher,
            {{http::verb::get, "/catalog/products/search", lookup_outcome::matched, "search"},
             {http::verb::get, "/catalog/products/p1", lookup_outcome::matched, "product"},
             {http::verb::post, "/catalog/products/search", lookup_outcome::method_not_allowed,
              "search"},
             {http::verb::get, "/catalog/products", lookup_outcome::matched, "catalog_products"}});
    }
}

TEST(route_matcher, the_first_differing_segment_decides_between_two_shapes) {
    const auto table = make_table(R"([
        {"name": "late", "method": "GET", "path": "/a/{x}/c", "upstream": "crm",
         "upstream_path": "/late/{x}"},
        {"name": "early", "method": "GET", "path": "/a/b/{y}", "upstream": "crm",
         "upstream_path": "/early/{y}"},
        {"name": "any", "method": "GET", "path": "/{p}/{q}/{r}", "upstream": "crm",
         "upstream_path": "/any/{p}/{q}/{r}"}])");
    const route_matcher matcher(table);
    expect_cases(matcher, {{http::verb::get, "/a/b/c", lookup_outcome::matched, "early"},
                           {http::verb::get, "/a/z/c", lookup_outcome::matched, "late"},
                           {http::verb::get, "/z/b/c", lookup_outcome::matched, "any"}});
}

TEST(route_matcher, custom_patterns_are_checked_against_the_methods_row) {
    const auto table = make_table(R"([
        {"name": "order", "method": "GET", "path": "/orders/{id}", "upstream": "crm",
         "upstream_path": "/orders/{id}", "params": {"id": {"pattern": "[0-9]{1,6}"}}},
        {"name": "order_delete", "method": "DELETE", "path": "/orders/{orderId}",
         "upstream": "crm", "upstream_path": "/orders/{orderId}"},
        {"name": "file", "method": "GET", "path": "/files/{name}", "upstream": "crm",
         "upstream_path": "/files/{name}", "params": {"name": {"pattern": "[a-z.%0-9A-F]+"}}}])");
    const route_matcher matcher(table);
    expect_cases(
        matcher,
        {
            {http::verb::get, "/orders/123456", lookup_outcome::matched, "order"},
            {http::verb::get, "/orders/1234567", lookup_outcome::bad_parameter, "order"},
            {http::verb::get, "/orders/12a", lookup_outcome::bad_parameter, "order"},
            {http::verb::head, "/orders/12a", lookup_outcome::bad_parameter, "order"},
            {http::verb::delete_, "/orders/abc", lookup_outcome::matched, "order_delete"},
            {http::verb::delete_, "/orders/a.b", lookup_outcome::bad_parameter, "order_delete"},
            // No POST row: the path's first row is checked.
            {http::verb::post, "/orders/abc", lookup_outcome::bad_parameter, "order"},
            {http::verb::post, "/orders/12", lookup_outcome::method_not_allowed, "order"},
            {http::verb::get, "/files/report.pdf", lookup_outcome::matched, "file"},
            {http::verb::get, "/files/...", lookup_outcome::matched, "file"},
            // Dot segments never pass, whatever the pattern allows.
            {http::verb::get, "/files/..", lookup_outcome::bad_parameter, "file"},
            {http::verb::get, "/files/.", lookup_outcome::bad_parameter, "file"},
            {http::verb::get, "/files/%2e%2E", lookup_outcome::bad_parameter, "file"},
            {http::verb::get, "/files/.%2e", lookup_outcome::bad_parameter, "file"},
        });
    EXPECT_EQ(matcher.match(http::verb::get, "/orders/12a").problem,
              "id must match the pattern [0-9]{1,6}");
    EXPECT_EQ(matcher.match(http::verb::get, "/files/..").problem, "name must not be . or ..");
}

const route_row& builtin(const route_table& table, std::string_view name) {
    return *table.find(name);
}

TEST(check_query, customer_id_is_accepted_and_required_where_the_row_says) {
    const auto table = make_table();
    const auto& offers = builtin(table, "catalog_offers");
    const auto& price = builtin(table, "catalog_price");
    const auto ok = check_query(offers, "customerId=cust_42");
    EXPECT_EQ(ok.problem, "");
    EXPECT_EQ(ok.params, (query_list{{"customerId", "cust_42"}}));
    EXPECT_EQ(check_query(offers, "").problem, "customerId is required");
    EXPECT_EQ(check_query(price, "").problem, "");
    EXPECT_TRUE(check_query(price, "").params.empty());
    EXPECT_EQ(check_query(price, "customerId=c1").params, (query_list{{"customerId", "c1"}}));
}

TEST(check_query, refuses_bad_values_unknown_and_repeated_parameters) {
    const auto table = make_table();
    for (const char* bad : {"customerId=", "customerId", "customerId=a%20b", "customerId=a/b",
                            "customerId=a&customerId=b", "other=1", "customerId=a&x=1",
                            "customerid=a", "customerId=a%zz", "customerId=a+b",
                            "customerId="
                            "é",
                            "customerId=a&customer%49d=b"}) {
        const auto checked = check_query(builtin(table, "catalog_price"), bad);
        EXPECT_NE(checked.problem, "") << bad;
        EXPECT_TRUE(checked.params.empty()) << bad;
    }
}

TEST(check_query, a_row_without_rules_takes_no_parameter) {
    const auto table = make_table();
    const auto& deal = builtin(table, "deal");
    EXPECT_EQ(check_query(deal, "").problem, "");
    EXPECT_EQ(check_query(deal, "a=1").problem, "this endpoint takes no query parameters");
}

TEST(check_query, messages_say_which_parameter_and_why) {
    const auto table = make_table();
    const auto& offers = builtin(table, "catalog_offers");
    EXPECT_EQ(check_query(offers, "customerId=a&customerId=b").problem,
              "customerId must be given once");
    EXPECT_EQ(check_query(offers, "customerId=a.b").problem,
              "customerId must be 1 to 128 characters of A-Z a-z 0-9 _ -");
    EXPECT_EQ(check_query(offers, "customerId=a&sort=x").problem,
              "unknown query parameter 'sort'; accepted: customerId");
    // A long or odd name is not echoed.
    const auto odd = check_query(offers, "%3Cscript%3E=1").problem;
    EXPECT_EQ(odd, "unknown query parameter; accepted: customerId");
}

TEST(check_query, empty_pieces_of_a_query_are_ignored) {
    const auto table = make_table();
    const auto& offers = builtin(table, "catalog_offers");
    for (const char* query : {"customerId=c&", "&customerId=c", "customerId=c&&"}) {
        const auto checked = check_query(offers, query);
        EXPECT_EQ(checked.problem, "") << query;
        EXPECT_EQ(checked.params, (query_list{{"customerId", "c"}})) << query;
    }
}

TEST(check_query, custom_patterns_see_decoded_values_and_results_are_sorted) {
    const auto table = make_table(R"([{"name": "search", "method": "GET", "path": "/crm/search",
        "upstream": "crm", "upstream_path": "/search",
        "query": {"q": {"required": true, "pattern": "[a-z &/]{1,20}"}, "page": {"pattern": "[0-9]+"},
                  "flag": {"pattern": "(on)?"}}}])");
    const auto& search = *table.find("search");
    const auto checked = check_query(search, "q=a%20b%26c%2Fd&page=2&flag");
    EXPECT_EQ(checked.problem, "");
    EXPECT_EQ(checked.params, (query_list{{"flag", ""}, {"page", "2"}, {"q", "a b&c/d"}}));
    // '+' is a space, as forms send it.
    EXPECT_EQ(check_query(search, "q=x+y").params, (query_list{{"q", "x y"}}));
    EXPECT_EQ(check_query(search, "page=2").problem, "q is required");
    EXPECT_EQ(check_query(search, "q=x&page=two").problem, "page must match the pattern [0-9]+");
    EXPECT_EQ(check_query(search, "q=" + std::string(21, 'x')).problem,
              "q must match the pattern [a-z &/]{1,20}");
}

TEST(encode_query, sorts_and_percent_encodes_all_but_unreserved_characters) {
    EXPECT_EQ(encode_query({}), "");
    EXPECT_EQ(encode_query({{"z", "1"}, {"a", "x y"}, {"m", "a&b=c/d+é~._-"}}),
              "a=x%20y&m=a%26b%3Dc%2Fd%2B%C3%A9~._-&z=1");
    EXPECT_EQ(encode_query({{"a b", ""}}), "a%20b=");
}

TEST(encode_query, round_trips_through_check_query) {
    const auto table = make_table(R"([{"name": "search", "method": "GET", "path": "/crm/search",
        "upstream": "crm", "upstream_path": "/search",
        "query": {"q": {"pattern": "[\\s\\S]*"}, "a.b": {"pattern": "[\\s\\S]*"}}}])");
    const auto& search = *table.find("search");
    const query_list params{{"a.b", "x&y=z"}, {"q", "50% + é / ?#"}};
    const auto checked = check_query(search, encode_query(params));
    EXPECT_EQ(checked.problem, "");
    EXPECT_EQ(checked.params, params);
}

} // namespace
} // namespace kore_gateway

namespace kore_gateway {
namespace {

// The dispatcher hands views into the request target: a default-constructed one (null data) when
// the target has no '?', else one followed by more bytes. Boost.URL 1.81 reads a view up to a
// NUL: the first crashed, the second read "C-2 HTTP/1.1" as the value.
TEST(check_query, reads_a_query_view_only_up_to_its_size) {
    std::vector<std::string> problems;
    const auto table =
        build_route_table(nullptr, {.upstream_names = {"kore", "catalog"}}, problems);
    ASSERT_TRUE(problems.empty());
    const auto* products = table.find("catalog_products");
    ASSERT_NE(products, nullptr);
    EXPECT_TRUE(check_query(*products, std::string_view{}).problem.empty());
    const auto* offers = table.find("catalog_offers");
    EXPECT_FALSE(check_query(*offers, std::string_view{}).problem.empty()); // customerId required
    const std::string target_line = "customerId=C-2 HTTP/1.1";
    const auto checked = check_query(*offers, std::string_view(target_line).substr(0, 14));
    ASSERT_TRUE(checked.problem.empty()) << checked.problem;
    EXPECT_EQ(checked.params.at(0).second, "C-2");
}

} // namespace
} // namespace kore_gateway
