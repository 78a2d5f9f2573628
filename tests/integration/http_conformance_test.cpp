// CONTRACT.md section 16 on real sockets: framing that could smuggle a request, Host, absolute
// targets, 100-continue, Date and Cache-Control on every kind of answer, the admin scheme's case.
#include <ctime>
#include <regex>

#include <gtest/gtest.h>

#include "support/cache_support.hpp"
#include "support/gateway_with_fakes.hpp"
#include "support/targets.hpp"
#include "support/test_client.hpp"

namespace kore_gateway::testing {
namespace {

const std::string conformance_admin_token = "adm-Secret-42";
const std::string users_only_price_body =
    R"({"formData":[{"elementKey":"users","elementValue":5}]})";

// What a smuggler hides in a rejected request's body: an admin purge and an upstream call.
const std::string hidden_requests =
    "POST /admin/cache/purge HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
    conformance_admin_token +
    "\r\nContent-Length: 0\r\n\r\n"
    "GET /catalog/products/hidden/offers?customerId=c HTTP/1.1\r\nHost: x\r\n\r\n";

std::size_t catalog_requests(gateway_with_fakes& gw) {
    return gw.catalog().server().requests().size();
}

struct smuggling_case {
    const char* name;
    std::string framing_lines; // the header lines that make the body's length ambiguous
    unsigned status;
};

void PrintTo(const smuggling_case& c, std::ostream* os) {
    *os << c.name;
}

class request_smuggling : public ::testing::TestWithParam<smuggling_case> {};

TEST_P(request_smuggling, gets_one_answer_a_closed_connection_and_nothing_runs) {
    gateway_with_fakes gw([](gateway_config& c) { c.admin_token = conformance_admin_token; });
    ASSERT_EQ(header_of(fetch(gw.port(), http::verb::get, products_path), "X-Cache"), "MISS");
    const auto upstream_before = catalog_requests(gw);

    test_client client(gw.port());
    client.send_raw("POST " + price_target + " HTTP/1.1\r\nHost: x\r\n" +
                    "Content-Type: application/json\r\n" + GetParam().framing_lines + "\r\n" +
                    hidden_requests);
    const auto answer = client.read_response();
    EXPECT_EQ(answer.result_int(), GetParam().status) << answer.body();
    EXPECT_FALSE(answer.keep_alive());
    EXPECT_EQ(header_of(answer, "Connection"), "close");
    EXPECT_TRUE(body_json(answer).contains("error_id"));
    EXPECT_TRUE(client.closed_by_server()) << "a second answer came: the body ran as a request";

    EXPECT_EQ(catalog_requests(gw), upstream_before) << "a hidden request reached the upstream";
    EXPECT_EQ(header_of(fetch(gw.port(), http::verb::get, products_path), "X-Cache"), "HIT")
        << "the hidden purge ran";
}

INSTANTIATE_TEST_SUITE_P(
    variants, request_smuggling,
    ::testing::Values(
        smuggling_case{"identity", "Transfer-Encoding: identity\r\n", 400},
        smuggling_case{"xchunked", "Transfer-Encoding: xchunked\r\n", 400},
        smuggling_case{"chunked_identity", "Transfer-Encoding: chunked, identity\r\n", 400},
        smuggling_case{"chunked_chunked", "Transfer-Encoding: chunked, chunked\r\n", 400},
        smuggling_case{"chunked_twice",
                       "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", 400},
        smuggling_case{"gzip_chunked", "Transfer-Encoding: gzip, chunked\r\n", 501},
        smuggling_case{"chunked_with_length", "Transfer-Encoding: chunked\r\nContent-Length: 0\r\n",
                       400},
        smuggling_case{"lengths_disagree", "Content-Length: 0\r\nContent-Length: 5\r\n", 400}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(http_conformance, http_1_1_without_one_host_is_400_and_closes) {
    gateway_with_fakes gw;
    for (const std::string host_lines : {"", "Host: a\r\nHost: b\r\n"}) {
        test_client client(gw.port());
        client.send_raw("GET /healthz HTTP/1.1\r\n" + host_lines + "\r\n");
        const auto answer = client.read_response();
        EXPECT_EQ(answer.result_int(), 400) << host_lines;
        EXPECT_EQ(body_json(answer)["error"], "bad_request");
        EXPECT_TRUE(client.closed_by_server());
    }
}

TEST(http_conformance, an_absolute_form_target_is_served_as_its_path) {
    gateway_with_fakes gw;
    test_client client(gw.port());
    client.send_raw("GET http://gateway.example" + products_path +
                    " HTTP/1.1\r\nHost: gateway.example\r\n\r\n");
    const auto answer = client.read_response();
    EXPECT_EQ(answer.result_int(), 200) << answer.body();
    EXPECT_EQ(header_of(answer, "X-Cache"), "MISS");
}

TEST(http_conformance, expect_100_continue_gets_100_before_the_body_is_sent) {
    gateway_with_fakes gw;
    test_client client(gw.port());
    client.send_raw("POST " + price_target + " HTTP/1.1\r\nHost: x\r\n" +
                    "Content-Type: application/json\r\nExpect: 100-continue\r\n" +
                    "Content-Length: " + std::to_string(users_only_price_body.size()) + "\r\n\r\n");
    // Nothing of the body has been sent: only the interim answer can come now.
    const auto interim = client.read_response();
    ASSERT_EQ(interim.result_int(), 100);
    client.send_raw(users_only_price_body);
    const auto answer = client.read_response();
    EXPECT_EQ(answer.result_int(), 200) << answer.body();
    EXPECT_EQ(gw.catalog().server().requests().back().body, users_only_price_body);
}

TEST(http_conformance, expect_100_continue_gets_the_final_error_when_the_header_decides) {
    gateway_with_fakes gw([](gateway_config& c) { c.max_body_bytes = 1000; });
    const std::vector<std::pair<std::string, unsigned>> cases{
        {"POST /no/such/path HTTP/1.1\r\nContent-Length: 10\r\n", 404},
        {"POST " + products_path + " HTTP/1.1\r\nContent-Length: 10\r\n", 405},
        {"POST " + price_target + " HTTP/1.1\r\nContent-Length: 5000\r\n", 413},
    };
    for (const auto& [head, status] : cases) {
        test_client client(gw.port());
        client.send_raw(head + "Host: x\r\nExpect: 100-continue\r\n\r\n");
        const auto answer = client.read_response();
        EXPECT_EQ(answer.result_int(), status) << head;
        EXPECT_TRUE(client.closed_by_server()) << head;
    }
    EXPECT_TRUE(gw.catalog().server().requests().empty());
}

// Date is an IMF-fixdate (RFC 9110 section 5.6.7) within a minute of now.
void expect_date(const test_response& answer, const std::string& what) {
    const auto date = header_of(answer, "Date");
    ASSERT_TRUE(std::regex_match(
        date, std::regex(
                  R"((Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT)")))
        << what << ": '" << date << "'";
    std::tm parsed{};
    ASSERT_NE(strptime(date.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &parsed), nullptr) << what;
    EXPECT_LE(std::abs(std::difftime(timegm(&parsed), std::time(nullptr))), 60.0) << what;
}

TEST(http_conformance, every_kind_of_answer_carries_a_date) {
    gateway_with_fakes gw;
    const auto miss = fetch(gw.port(), http::verb::get, products_path);
    ASSERT_EQ(header_of(miss, "X-Cache"), "MISS");
    expect_date(miss, "miss");
    const auto hit = fetch(gw.port(), http::verb::get, products_path);
    ASSERT_EQ(header_of(hit, "X-Cache"), "HIT");
    expect_date(hit, "hit");
    const auto not_modified = fetch(gw.port(), http::verb::get, products_path,
                                    {{"If-None-Match", header_of(hit, "ETag")}});
    ASSERT_EQ(not_modified.result_int(), 304);
    expect_date(not_modified, "304");
    const auto forward =
        fetch(gw.port(), http::verb::get, "/deals/" + std::string(sample_opportunity_id));
    ASSERT_EQ(forward.result_int(), 200);
    expect_date(forward, "forward");
    expect_date(fetch(gw.port(), http::verb::get, "/nope"), "error");
    const auto preflight =
        fetch(gw.port(), http::verb::options, products_path,
              {{"Origin", "http://app.example"}, {"Access-Control-Request-Method", "GET"}});
    ASSERT_EQ(preflight.result_int(), 204);
    expect_date(preflight, "preflight");
    test_client client(gw.port());
    client.send_raw("GET /healthz HTTP/1.1\r\n\r\n");
    expect_date(client.read_response(), "framing error");
}

TEST(http_conformance, cache_control_follows_the_route_kind) {
    gateway_with_fakes gw([](gateway_config& c) { c.deals_ttl = std::chrono::seconds(0); });
    const auto deal = "/deals/" + std::string(sample_opportunity_id);
    const auto miss = fetch(gw.port(), http::verb::get, products_path);
    EXPECT_EQ(header_of(miss, "Cache-Control"), "private, no-cache");
    const auto hit = fetch(gw.port(), http::verb::get, products_path);
    EXPECT_EQ(header_of(hit, "Cache-Control"), "private, no-cache");
    EXPECT_EQ(header_of(fetch(gw.port(), http::verb::get, products_path,
                              {{"If-None-Match", header_of(hit, "ETag")}}),
                        "Cache-Control"),
              "private, no-cache");
    EXPECT_EQ(header_of(fetch(gw.port(), http::verb::get, deal), "Cache-Control"), "no-store");
    EXPECT_EQ(header_of(fetch(gw.port(), http::verb::post, price_target,
                              {{"Content-Type", "application/json"}}, users_only_price_body),
                        "Cache-Control"),
              "no-store");
    // Errors, also on a cacheable route, and the gateway's own endpoints.
    EXPECT_EQ(
        header_of(fetch(gw.port(), http::verb::get, "/catalog/products?x=1"), "Cache-Control"),
        "no-store");
    EXPECT_EQ(header_of(fetch(gw.port(), http::verb::get, "/nope"), "Cache-Control"), "no-store");
    EXPECT_EQ(header_of(fetch(gw.port(), http::verb::get, "/healthz"), "Cache-Control"),
              "no-store");
}

TEST(http_conformance, a_cached_deal_route_is_private_no_cache) {
    gateway_with_fakes gw([](gateway_config& c) { c.deals_ttl = std::chrono::seconds(60); });
    const auto deal =
        fetch(gw.port(), http::verb::get, "/deals/" + std::string(sample_opportunity_id));
    ASSERT_EQ(header_of(deal, "X-Cache"), "MISS");
    EXPECT_EQ(header_of(deal, "Cache-Control"), "private, no-cache");
}

TEST(http_conformance, the_admin_bearer_scheme_is_case_insensitive) {
    gateway_with_fakes gw([](gateway_config& c) { c.admin_token = conformance_admin_token; });
    for (const std::string scheme : {"bearer", "BEARER", "Bearer"}) {
        const auto res = fetch(gw.port(), http::verb::post, "/admin/cache/purge",
                               {{"Authorization", scheme + " " + conformance_admin_token}});
        EXPECT_EQ(res.result_int(), 200) << scheme << ": " << res.body();
    }
}

} // namespace
} // namespace kore_gateway::testing
