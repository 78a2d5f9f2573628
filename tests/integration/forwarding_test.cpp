// What the real gateway sends upstream (CONTRACT.md sections 3 and 4), checked on what the fake
// upstreams recorded over real TLS: the headers, built from scratch; the paths and queries of
// every route; requests refused before anything is sent; upstream answers passed through.
#include <future>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/fmt/fmt.h>

#include "support/fwd_fakes.hpp"
#include "support/gateway_with_fakes.hpp"
#include "support/metrics.hpp"
#include "support/targets.hpp"
#include "support/test_client.hpp"

namespace kore_gateway::testing {
namespace {

const std::string kore_deal_summaries_path = "/aggregates/premium-deal-summaries/by-opportunity/";
const std::string sample_deal = std::string(sample_opportunity_id);
const std::string sample_product = std::string(sample_product_id);
const std::string sample_offer = std::string(sample_offer_id);
const std::string two_element_price_body =
    R"({"formData":[{"elementKey":"users","elementValue":5},)"
    R"({"elementKey":"mailbox_storage","elementValue":"100gb-archive"}],)"
    R"("priceDate":"2024-05-01T00:00:00Z"})";

// Everything a client could send that must never reach an upstream.
const std::map<std::string, std::string> hostile_client_headers{
    {"Authorization", "Bearer client-supplied-token"},
    {"X-Api-Key", "client-supplied-key"},
    {"X-Api-Version", "client-supplied-version"},
    {"Cookie", "session=client-cookie"},
    {"Host", "client-host.example:4444"},
    {"Connection", "keep-alive, X-Client-Hop"},
    {"Keep-Alive", "timeout=99"},
    {"Proxy-Authorization", "Basic Y2xpZW50LXByb3h5OnNlY3JldA=="},
    {"Proxy-Connection", "client-proxy-connection"},
    {"TE", "trailers"},
    {"Trailer", "X-Client-Trailer"},
    {"Upgrade", "h2c"},
    {"X-Client-Hop", "client-hop-value"},
};

// The only headers the gateway itself puts on an upstream request.
// traceparent is the gateway's own span (CONTRACT.md section 15): a new trace here, since the
// client sends none.
const std::set<std::string> gateway_headers{
    "host",      "content-type",  "accept",         "user-agent", "x-request-id", "authorization",
    "x-api-key", "x-api-version", "content-length", "connection", "traceparent"};

// Fails the test for every upstream header the gateway does not make itself or whose value came
// from the client.
void expect_nothing_from_the_client(const recorded_request& req) {
    for (const auto& [name, value] : req.headers) {
        EXPECT_TRUE(gateway_headers.contains(name)) << "forwarded client header " << name;
        for (const auto& [client_name, client_value] : hostile_client_headers) {
            EXPECT_EQ(value.find(client_value), std::string::npos)
                << name << ": " << value << " carries the client's " << client_name;
        }
        EXPECT_EQ(value.find("client-"), std::string::npos) << name << ": " << value;
    }
    EXPECT_EQ(req.header("cookie"), "");
    EXPECT_EQ(req.header("proxy-authorization"), "");
    EXPECT_EQ(req.header("te"), "");
    EXPECT_EQ(req.header("trailer"), "");
    EXPECT_EQ(req.header("upgrade"), "");
    EXPECT_EQ(req.header("keep-alive"), "");
    EXPECT_EQ(req.header("transfer-encoding"), "");
}

TEST(forwarding, deal_request_carries_the_gateways_credentials_and_nothing_of_the_clients) {
    gateway_with_fakes gw(
        [](gateway_config& config) { config.find_upstream("kore")->api_version = "2.1"; });
    auto headers = hostile_client_headers;
    headers["X-Request-Id"] = "fwd-request-0001";
    test_client client(gw.port());
    const auto res = client.get("/deals/" + sample_deal, headers);
    ASSERT_EQ(res.result_int(), 200) << res.body();
    EXPECT_EQ(res["X-Request-Id"], "fwd-request-0001");

    const auto sent = gw.kore().server().requests();
    ASSERT_EQ(sent.size(), 1u);
    const auto& req = sent[0];
    EXPECT_EQ(req.method, "GET");
    EXPECT_EQ(req.target, kore_deal_summaries_path + sample_deal);
    EXPECT_EQ(req.header("content-type"), "application/json");
    EXPECT_EQ(req.header("accept"), "application/json");
    EXPECT_EQ(req.header("x-api-key"), gw.upstreams().credentials().kore_api_key);
    EXPECT_EQ(req.header("x-api-version"), "2.1");
    EXPECT_EQ(req.header("x-request-id"), "fwd-request-0001");
    EXPECT_EQ(req.header("host"), "localhost:" + std::to_string(gw.kore().server().port()));
    const auto token = bearer_of(req);
    EXPECT_EQ(req.header("authorization"), "Bearer " + token);
    EXPECT_TRUE(gw.auth().is_valid(token)) << "not a token issued by the fake auth server";
    expect_nothing_from_the_client(req);
}

TEST(forwarding, catalog_request_carries_its_key_and_the_request_id_given_to_the_client) {
    gateway_with_fakes gw;
    const auto res = fetch(gw.port(), http::verb::get, "/catalog/products", hostile_client_headers);
    ASSERT_EQ(res.result_int(), 200) << res.body();
    const std::string request_id(res["X-Request-Id"]);
    EXPECT_EQ(request_id.size(), 32u); // made up by the gateway: the client sent none

    const auto sent = gw.catalog().server().requests();
    ASSERT_EQ(sent.size(), 1u);
    const auto& req = sent[0];
    EXPECT_EQ(req.target, "/api/v1/products");
    EXPECT_EQ(req.header("x-request-id"), request_id);
    EXPECT_EQ(req.header("x-api-key"), gw.upstreams().credentials().catalog_api_key);
    EXPECT_EQ(req.header("content-type"), "application/json");
    EXPECT_EQ(req.header("accept"), "application/json");
    EXPECT_EQ(req.header("host"), "localhost:" + std::to_string(gw.catalog().server().port()));
    // The demo catalog has no auth server, and no API version is configured.
    EXPECT_EQ(req.headers.count("authorization"), 0u);
    EXPECT_EQ(req.headers.count("x-api-version"), 0u);
    expect_nothing_from_the_client(req);
}

TEST(forwarding, x_api_version_is_absent_when_not_configured) {
    gateway_with_fakes gw;
    const auto res =
        fetch(gw.port(), http::verb::get, "/deals/" + sample_deal,
              {{"X-Api-Version", "client-supplied-version"}, {"X-Request-Id", "not valid!"}});
    ASSERT_EQ(res.result_int(), 200) << res.body();
    const auto sent = gw.kore().server().requests();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].headers.count("x-api-version"), 0u);
    // An invalid client request id is replaced, and the replacement is what goes upstream.
    EXPECT_EQ(res["X-Request-Id"].size(), 32u);
    EXPECT_EQ(sent[0].header("x-request-id"), res["X-Request-Id"]);
}

TEST(forwarding, chunked_price_body_goes_upstream_whole_with_a_content_length) {
    gateway_with_fakes gw;
    test_client client(gw.port());
    const auto half = two_element_price_body.size() / 2;
    auto hex = [](std::size_t n) { return fmt::format("{:x}", n); };
    client.send_raw("POST " + price_target + "?customerId=C-42" +
                    " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    "Transfer-Encoding: chunked\r\nCookie: session=client-cookie\r\n\r\n" +
                    hex(half) + "\r\n" + two_element_price_body.substr(0, half) + "\r\n" +
                    hex(two_element_price_body.size() - half) + "\r\n" +
                    two_element_price_body.substr(half) + "\r\n0\r\n\r\n");
    const auto res = client.read_response();
    ASSERT_EQ(res.result_int(), 200) << res.body();
    const auto sent = gw.catalog().server().requests();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].body, two_element_price_body);
    EXPECT_EQ(sent[0].header("content-length"), std::to_string(two_element_price_body.size()));
    EXPECT_EQ(sent[0].header("transfer-encoding"), "");
    EXPECT_EQ(sent[0].header("content-type"), "application/json");
    expect_nothing_from_the_client(sent[0]);
}

TEST(forwarding, every_route_reaches_its_upstream_path_and_query) {
    gateway_with_fakes gw;
    test_client client(gw.port());

    ASSERT_EQ(client.get("/deals/" + sample_deal).result_int(), 200);
    auto kore_sent = gw.kore().server().requests();
    ASSERT_EQ(kore_sent.size(), 1u);
    EXPECT_EQ(kore_sent[0].target, kore_deal_summaries_path + sample_deal);

    ASSERT_EQ(client.get("/catalog/products").result_int(), 200);
    ASSERT_EQ(
        client.get("/catalog/products/" + sample_product + "/offers?customerId=C-1_x").result_int(),
        200);
    const auto with_customer =
        client.request(http::verb::post, price_target + "?customerId=C-2",
                       {{"Content-Type", "application/json"}}, two_element_price_body);
    ASSERT_EQ(with_customer.result_int(), 200) << with_customer.body();
    EXPECT_TRUE(body_json(with_customer).contains("customerTotalPrice"));
    const auto without_customer =
        client.request(http::verb::post, price_target, {{"Content-Type", "application/json"}},
                       two_element_price_body);
    ASSERT_EQ(without_customer.result_int(), 200) << without_customer.body();

    const auto sent = gw.catalog().server().requests();
    ASSERT_EQ(sent.size(), 4u);
    EXPECT_EQ(sent[0].method, "GET");
    EXPECT_EQ(sent[0].target, "/api/v1/products");
    EXPECT_EQ(sent[1].method, "GET");
    EXPECT_EQ(sent[1].target, "/api/v1/products/" + sample_product + "/offers?customerId=C-1_x");
    EXPECT_EQ(sent[2].method, "POST");
    EXPECT_EQ(sent[2].target, "/api/v1/products/" + sample_product + "/offers/" + sample_offer +
                                  "/price?customerId=C-2");
    EXPECT_EQ(sent[2].body, two_element_price_body);
    EXPECT_EQ(sent[3].method, "POST");
    EXPECT_EQ(sent[3].target,
              "/api/v1/products/" + sample_product + "/offers/" + sample_offer + "/price");
    EXPECT_EQ(sent[3].body, two_element_price_body);
    for (const auto& req : sent) {
        EXPECT_EQ(req.header("content-type"), "application/json");
    }

    // The longest parameter the contract allows still goes through.
    const std::string longest(128, 'z');
    EXPECT_EQ(client.get("/deals/" + longest).result_int(), 404); // the fake knows no such deal
    kore_sent = gw.kore().server().requests();
    ASSERT_EQ(kore_sent.size(), 2u);
    EXPECT_EQ(kore_sent[1].target, kore_deal_summaries_path + longest);
}

TEST(forwarding, base_url_path_is_prepended_to_every_upstream_path) {
    gateway_with_fakes gw([](gateway_config& config) {
        // A trailing slash in the configured URL must not double the separator.
        config.find_upstream("kore")->base_url =
            must_parse_url(config.find_upstream("kore")->base_url.origin() + "/v2/");
        config.find_upstream("catalog")->base_url.path = "/catalog-api/v1.1";
    });
    // The fakes serve without the prefix: strip it before answering.
    auto strip = [](auto& fake, std::string prefix) {
        fake.server().set_handler([&fake, prefix](const recorded_request& req) {
            if (!req.target.starts_with(prefix + "/")) {
                mock_reply reply;
                reply.status = 404;
                reply.body = R"({"error":"prefix missing"})";
                return reply;
            }
            auto unprefixed = req;
            unprefixed.target = req.target.substr(prefix.size());
            return fake.handle(unprefixed);
        });
    };
    strip(gw.kore(), "/v2");
    strip(gw.catalog(), "/catalog-api/v1.1");

    test_client client(gw.port());
    EXPECT_EQ(client.get("/deals/" + sample_deal).result_int(), 200);
    EXPECT_EQ(client.get("/catalog/products").result_int(), 200);
    EXPECT_EQ(
        client.get("/catalog/products/" + sample_product + "/offers?customerId=C9").result_int(),
        200);
    EXPECT_EQ(
        client
            .request(http::verb::post, price_target + "?customerId=C9", {}, two_element_price_body)
            .result_int(),
        200);

    const auto kore_sent = gw.kore().server().requests();
    ASSERT_EQ(kore_sent.size(), 1u);
    EXPECT_EQ(kore_sent[0].target, "/v2" + kore_deal_summaries_path + sample_deal);
    const auto sent = gw.catalog().server().requests();
    ASSERT_EQ(sent.size(), 3u);
    EXPECT_EQ(sent[0].target, "/catalog-api/v1.1/api/v1/products");
    EXPECT_EQ(sent[1].target,
              "/catalog-api/v1.1/api/v1/products/" + sample_product + "/offers?customerId=C9");
    EXPECT_EQ(sent[2].target, "/catalog-api/v1.1/api/v1/products/" + sample_product + "/offers/" +
                                  sample_offer + "/price?customerId=C9");
}

TEST(forwarding, bad_parameters_queries_and_bodies_are_400_and_reach_no_upstream) {
    gateway_with_fakes gw;
    struct bad_request {
        http::verb method;
        std::string target;
        std::string body;
    };
    const auto get = http::verb::get;
    const auto post = http::verb::post;
    const std::string offers = "/catalog/products/" + sample_product + "/offers";
    const std::vector<bad_request> cases{
        {get, "/deals/a.b", {}},
        {get, "/deals/" + std::string(129, 'a'), {}},
        {get, "/deals/%2e%2e", {}},
        {get, "/deals/a%20b", {}},
        {get, "/deals/" + sample_deal + "?expand=all", {}},
        {get, "/catalog/products?customerId=C1", {}},
        {get, offers, {}},
        {get, offers + "?customerId=", {}},
        {get, offers + "?customerId=a%20b", {}},
        {get, offers + "?customerId=bad!id", {}},
        {get, offers + "?customerId=" + std::string(129, 'c'), {}},
        {get, offers + "?customerId=C1&customerId=C2", {}},
        {get, offers + "?customerId=C1&other=1", {}},
        {get, "/catalog/products/p%201/offers?customerId=C1", {}},
        {post, "/catalog/products/p1/offers/o.1/price", two_element_price_body},
        {post, price_target + "?customerId=bad~id", two_element_price_body},
        {post, price_target, ""},
        {post, price_target, "not json"},
        {post, price_target, "[]"},
        {post, price_target, "{}"},
        {post, price_target, R"({"formData":{}})"},
        {post, price_target, R"({"formData":[1]})"},
        {post, price_target, R"({"formData":[{"elementValue":1}]})"},
        {post, price_target, R"({"formData":[{"elementKey":5,"elementValue":1}]})"},
        {post, price_target, R"({"formData":[{"elementKey":"users","elementValue":true}]})"},
        {post, price_target, R"({"formData":[{"elementKey":"users","elementValue":{}}]})"},
        {post, price_target, R"({"formData":[],"priceDate":20240501})"},
    };
    test_client client(gw.port());
    std::set<std::string> error_ids;
    for (const auto& c : cases) {
        SCOPED_TRACE(c.target + " " + c.body);
        const auto res = client.request(c.method, c.target, {}, c.body);
        EXPECT_TRUE(is_gateway_error(res, 400, "bad_request"));
        error_ids.insert(body_json(res).value("error_id", ""));
    }
    EXPECT_EQ(error_ids.size(), cases.size());
    EXPECT_EQ(gw.kore().server().request_count(), 0u);
    EXPECT_EQ(gw.catalog().server().request_count(), 0u);
}

TEST(forwarding, upstream_error_answers_of_the_fakes_pass_through) {
    gateway_with_fakes gw;
    test_client client(gw.port());

    const auto unknown = client.get("/deals/unknown-opportunity-1");
    EXPECT_EQ(unknown.result_int(), 404);
    EXPECT_EQ(unknown[http::field::content_type], "application/json");
    const auto deal_error = body_json(unknown);
    EXPECT_EQ(deal_error["id"], "unknown-opportunity-1"); // KORE's own error, not the gateway's
    EXPECT_EQ(deal_error["error"], "not_found");
    EXPECT_EQ(deal_error["message"],
              "No premium deal was found for opportunity unknown-opportunity-1.");

    const auto too_many =
        client.request(http::verb::post, price_target + "?customerId=C1", {},
                       R"({"formData":[{"elementKey":"users","elementValue":1000}]})");
    EXPECT_EQ(too_many.result_int(), 400);
    EXPECT_EQ(too_many[http::field::content_type], "application/json");
    EXPECT_NE(too_many.body().find("users must be a number between 1 and 300."), std::string::npos)
        << too_many.body();
    EXPECT_EQ(gw.catalog().server().request_count(), 1u); // it was the upstream's 400
}

TEST(forwarding, upstream_status_body_and_content_type_pass_through_unchanged) {
    gateway_with_fakes gw;
    struct upstream_answer {
        unsigned status;
        std::string content_type;
        std::string body;
    };
    const std::vector<upstream_answer> answers{
        {400, "application/json",
         R"({"id":"x1","error_id":"e1","error":"bad_request","message":"no","link":null,"errors":[{"f":1}]})"},
        {404, "application/problem+json; charset=utf-8", R"({"title":"Not Found","status":404})"},
        {409, "application/json; charset=utf-8", R"({"conflict":true})"},
        {422, "application/json", R"([1,2,3])"},
        {503, "application/json", R"({"error":"maintenance"})"},
    };
    test_client client(gw.port());
    for (const auto& answer : answers) {
        SCOPED_TRACE(answer.status);
        gw.kore().server().set_handler([answer](const recorded_request&) {
            mock_reply reply;
            reply.status = answer.status;
            reply.content_type = answer.content_type;
            reply.body = answer.body;
            return reply;
        });
        const auto res = client.get("/deals/" + sample_deal);
        EXPECT_EQ(res.result_int(), answer.status);
        EXPECT_EQ(res[http::field::content_type], answer.content_type);
        EXPECT_EQ(res.body(), answer.body);
    }
    // The same on a cached route: an error answer is passed through, and not cached.
    gw.catalog().server().set_handler([](const recorded_request&) {
        mock_reply reply;
        reply.status = 404;
        reply.content_type = "application/json; charset=utf-8";
        reply.body = R"({"message":"no such product"})";
        return reply;
    });
    for (int i = 0; i < 2; ++i) {
        const auto res = client.get("/catalog/products/p404/offers?customerId=C1");
        EXPECT_EQ(res.result_int(), 404);
        EXPECT_EQ(res[http::field::content_type], "application/json; charset=utf-8");
        EXPECT_EQ(res.body(), R"({"message":"no such product"})");
    }
    EXPECT_EQ(gw.catalog().server().request_count(), 2u);
}

TEST(forwarding, sequential_requests_reuse_one_upstream_connection) {
    gateway_with_fakes gw;
    test_client client(gw.port());
    for (int i = 0; i < 30; ++i) {
        ASSERT_EQ(client.get("/deals/" + sample_deal).result_int(), 200);
    }
    // Each on a new client connection: the upstream connection is still the same one.
    for (int i = 0; i < 5; ++i) {
        ASSERT_EQ(fetch(gw.port(), http::verb::get, "/deals/" + sample_deal).result_int(), 200);
    }
    EXPECT_EQ(gw.kore().server().request_count(), 35u);
    EXPECT_EQ(gw.kore().server().accepted_connections(), 1u);
    const auto metrics = client.get("/metrics").body();
    EXPECT_EQ(
        metric_value(metrics, R"(kore_gateway_upstream_connections_opened_total{upstream="kore"})"),
        1);
}

TEST(forwarding, requests_after_the_upstream_closed_the_idle_connection_succeed) {
    gateway_with_fakes gw;
    test_client client(gw.port());
    ASSERT_EQ(client.get("/deals/" + sample_deal).result_int(), 200);
    ASSERT_EQ(
        client.request(http::verb::post, price_target, {}, two_element_price_body).result_int(),
        200);
    // Servers close keep-alive connections that sat idle; the gateway must notice, whatever the
    // method (a POST must not be sent twice, so it must not be sent on a dead connection).
    for (auto* upstream : {&gw.kore().server(), &gw.catalog().server()}) {
        // An answer still on its way out is closed right after it: wait until it really is.
        ASSERT_TRUE(eventually([upstream] {
            upstream->close_idle_connections();
            return upstream->open_connections() == 0;
        }));
    }
    EXPECT_EQ(client.get("/deals/" + sample_deal).result_int(), 200);
    const auto res = client.request(http::verb::post, price_target, {}, two_element_price_body);
    EXPECT_EQ(res.result_int(), 200) << res.body();
    EXPECT_EQ(gw.catalog().server().accepted_connections(), 2u);
    EXPECT_EQ(gw.catalog().server().request_count(), 2u);
}

TEST(forwarding, upstream_answers_with_connection_close_are_not_reused) {
    gateway_with_fakes gw;
    gw.kore().server().set_handler([&gw](const recorded_request& req) {
        auto reply = gw.kore().handle(req);
        reply.close = true;
        return reply;
    });
    test_client client(gw.port());
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(client.get("/deals/" + sample_deal).result_int(), 200);
    }
    EXPECT_EQ(gw.kore().server().accepted_connections(), 3u);
}

TEST(forwarding, client_leaving_during_the_upstream_exchange_frees_the_connection) {
    gateway_with_fakes gw([](gateway_config& config) { config.upstream_pool_size = 1; });
    gw.kore().server().set_handler([&gw, first = true](const recorded_request& req) mutable {
        auto reply = gw.kore().handle(req);
        reply.delay = first ? std::chrono::milliseconds(300) : std::chrono::milliseconds(0);
        first = false;
        return reply;
    });
    {
        test_client leaving(gw.port());
        leaving.send_raw("GET /deals/" + sample_deal + " HTTP/1.1\r\nHost: x\r\n\r\n");
        ASSERT_TRUE(eventually([&] { return gw.kore().server().request_count() == 1; }));
    } // closed before the answer
    // The only pooled connection comes back once the abandoned answer is in.
    const auto res = fetch(gw.port(), http::verb::get, "/deals/" + sample_deal);
    EXPECT_EQ(res.result_int(), 200) << res.body();
    EXPECT_EQ(gw.kore().server().request_count(), 2u);
    EXPECT_EQ(gw.kore().server().accepted_connections(), 1u);
}

TEST(forwarding, concurrent_requests_stay_within_the_pool_size) {
    gateway_with_fakes gw([](gateway_config& config) {
        config.upstream_pool_size = 4;
        config.upstream_timeout = std::chrono::seconds(8); // sixteen share four connections
    });
    // Slow enough that the requests overlap and have to queue for a connection.
    gw.kore().server().set_handler([&gw](const recorded_request& req) {
        auto reply = gw.kore().handle(req);
        reply.delay = std::chrono::milliseconds(100);
        return reply;
    });
    const auto responses = fetch_concurrently(gw.port(), 16, "/deals/" + sample_deal);
    for (const auto& res : responses) {
        EXPECT_EQ(res.result_int(), 200) << res.body();
    }
    EXPECT_EQ(gw.kore().server().request_count(), 16u);
    EXPECT_LE(gw.kore().server().accepted_connections(), 4u);
    EXPECT_GE(gw.kore().server().accepted_connections(), 1u);
}

// The read deadline bounds reading the request, not answering it. The header comes in two
// pieces, so that the gateway waits for the second under request_read_timeout (450 ms of margin
// for a loaded machine); the answer then takes three times that long, and must still reach the
// client on the same connection.
TEST(forwarding, an_answer_slower_than_the_read_timeout_still_reaches_the_client) {
    gateway_with_fakes gw([](gateway_config& config) {
        config.request_read_timeout = std::chrono::milliseconds(500);
    });
    gw.kore().server().set_handler([&gw](const recorded_request& req) {
        auto reply = gw.kore().handle(req);
        reply.delay = std::chrono::milliseconds(1500);
        return reply;
    });
    test_client client(gw.port());
    client.send_raw("GET /deals/" + sample_deal + " HTTP/1.1\r\n");
    // Room for the gateway to read the first piece alone; were both read at once, the test would
    // only lose the case it is after, not pass wrongly.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    client.send_raw("Host: x\r\n\r\n");
    const auto res = client.read_response();
    EXPECT_EQ(res.result_int(), 200) << res.body();
    EXPECT_EQ(client.get("/healthz").result_int(), 200) << "the connection stays usable";
}

TEST(forwarding, stop_lets_a_request_held_upstream_finish_with_connection_close) {
    gateway_with_fakes gw;
    gw.kore().server().set_handler([&gw](const recorded_request& req) {
        auto reply = gw.kore().handle(req);
        reply.delay = std::chrono::milliseconds(500);
        return reply;
    });
    const auto port = gw.port();
    auto pending = std::async(std::launch::async, [port] {
        return fetch(port, http::verb::get, "/deals/" + sample_deal);
    });
    ASSERT_TRUE(eventually([&] { return gw.kore().server().request_count() == 1; }));
    auto stopping = std::async(std::launch::async, [&gw] { gw.gateway().stop(); });

    ASSERT_EQ(pending.wait_for(std::chrono::seconds(5)), std::future_status::ready);
    const auto res = pending.get();
    EXPECT_EQ(res.result_int(), 200) << res.body();
    EXPECT_FALSE(res.keep_alive());
    EXPECT_EQ(body_json(res)[0]["premium_deal_id"], sample_deal);
    EXPECT_EQ(stopping.wait_for(std::chrono::seconds(5)), std::future_status::ready);
}

TEST(forwarding, stop_is_bounded_by_the_drain_timeout_when_the_upstream_hangs) {
    gateway_with_fakes gw([](gateway_config& config) {
        config.upstream_timeout = std::chrono::seconds(30);
        config.drain_timeout = std::chrono::milliseconds(300);
    });
    gw.kore().server().set_handler([](const recorded_request&) {
        mock_reply reply;
        reply.what = fault::hang;
        return reply;
    });
    const auto port = gw.port();
    auto pending = std::async(std::launch::async, [port] {
        try {
            return fetch(port, http::verb::get, "/deals/" + sample_deal).result_int();
        } catch (const boost::system::system_error&) {
            return 0u; // closed without an answer: the drain bound was reached
        }
    });
    ASSERT_TRUE(eventually([&] { return gw.kore().server().request_count() == 1; }));
    const auto started = std::chrono::steady_clock::now();
    auto stopping = std::async(std::launch::async, [&gw] { gw.gateway().stop(); });
    ASSERT_EQ(stopping.wait_for(std::chrono::seconds(5)), std::future_status::ready);
    EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(250));
    // Past the bound the gateway cancels hard: the client is not left waiting on an open
    // connection (its own read timeout is 5 s).
    ASSERT_EQ(pending.wait_for(std::chrono::seconds(2)), std::future_status::ready)
        << "the client connection is still open after the gateway stopped";
    EXPECT_NE(pending.get(), 200u);
}

} // namespace
} // namespace kore_gateway::testing
