// Routes as data on real sockets (CONTRACT.md sections 10 and 11): routes declared in the
// configuration against the fakes over TLS, write methods with their bodies, invalidation of
// cached GETs, HEAD, and Location rewriting.
#include <future>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/cache_support.hpp"
#include "support/eventually.hpp"
#include "support/gateway_with_fakes.hpp"
#include "support/targets.hpp"
#include "support/test_client.hpp"

namespace kore_gateway::testing {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

const std::string opportunity = std::string(sample_opportunity_id);

// A created deal's Location, as an upstream writes it: an absolute URL under its base URL.
std::string kore_location_of(const recorded_request& req) {
    return "https://" + req.header("host") + "/aggregates/premium-deal-summaries/by-opportunity/" +
           "new-opportunity-7";
}

// The KORE fake as it is, plus answers for the paths the test routes call, each recorded by the
// fake's server.
void extend_kore(gateway_with_fakes& gw) {
    auto& kore = gw.kore();
    kore.server().set_handler([&kore](const recorded_request& req) {
        const auto path = req.path();
        if (path.starts_with("/aggregates/deal-sheets/")) {
            mock_reply reply;
            reply.body =
                R"([{"sheet":1,"opportunity":")" + path.substr(path.rfind('/') + 1) + R"("}])";
            return reply;
        }
        if (path.starts_with("/premium-deals")) {
            mock_reply reply;
            reply.status = req.method == "DELETE" ? 204 : 200;
            reply.body = req.method == "DELETE" ? "" : R"({"updated":true})";
            if (req.method == "POST") {
                reply.status = 201;
                reply.headers = {{"Location", kore_location_of(req)},
                                 {"Content-Location", "https://elsewhere.example/x/1"}};
            }
            return reply;
        }
        return kore.handle(req);
    });
    auto& catalog = gw.catalog();
    catalog.server().set_handler([&catalog](const recorded_request& req) {
        if (req.path().starts_with("/api/v1/notes/")) {
            mock_reply reply;
            reply.status = 201;
            reply.body = R"({"noted":true})";
            return reply;
        }
        return catalog.handle(req);
    });
}

std::vector<recorded_request> kore_requests_to(gateway_with_fakes& gw, std::string_view prefix) {
    std::vector<recorded_request> found;
    for (auto& req : gw.kore().server().requests()) {
        if (req.path().starts_with(prefix)) {
            found.push_back(std::move(req));
        }
    }
    return found;
}

const json declared_routes = json::parse(R"([
  {"name": "deal_sheets", "method": "GET", "path": "/deals/{opportunityId}/sheets",
   "upstream": "kore", "upstream_path": "/aggregates/deal-sheets/{opportunityId}",
   "query": {"page": {"pattern": "[0-9]{1,3}"}}, "cache_ttl_s": 60},
  {"name": "deal_update", "method": "PUT", "path": "/deals/{opportunityId}", "upstream": "kore",
   "upstream_path": "/premium-deals/by-opportunity/{opportunityId}", "invalidates": ["deal"],
   "body_schema": {"type": "object", "required": ["total_seats"],
                   "properties": {"total_seats": {"type": "integer", "minimum": 1}}}},
  {"name": "deal_patch", "method": "PATCH", "path": "/deals/{opportunityId}", "upstream": "kore",
   "upstream_path": "/premium-deals/by-opportunity/{opportunityId}"},
  {"name": "deal_delete", "method": "DELETE", "path": "/deals/{opportunityId}",
   "upstream": "kore", "upstream_path": "/premium-deals/by-opportunity/{opportunityId}"},
  {"name": "deal_create", "method": "POST", "path": "/deals", "upstream": "kore",
   "upstream_path": "/premium-deals"},
  {"name": "deal_note", "method": "POST", "path": "/deals/{opportunityId}/notes",
   "upstream": "catalog", "upstream_path": "/api/v1/notes/{opportunityId}",
   "invalidates": ["deal"]}
])");

void with_routes(gateway_config& c) {
    c.routes_source = declared_routes;
    c.deals_ttl = 60s;
    c.upstream_timeout = 30s; // the held-answer test keeps one exchange open on purpose
}

TEST(routes, a_config_get_route_is_cached_with_its_ttl_and_enforces_its_query_rules) {
    gateway_with_fakes gw(with_routes);
    extend_kore(gw);
    const auto sheets = deal_target + "/sheets";
    const auto miss = fetch(gw.port(), http::verb::get, sheets + "?page=2");
    ASSERT_EQ(miss.result_int(), 200) << miss.body();
    EXPECT_EQ(header_of(miss, "X-Cache"), "MISS");
    EXPECT_EQ(body_json(miss)[0]["opportunity"], opportunity);
    EXPECT_EQ(header_of(fetch(gw.port(), http::verb::get, sheets + "?page=2"), "X-Cache"), "HIT");
    const auto sent = kore_requests_to(gw, "/aggregates/deal-sheets/");
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].target, "/aggregates/deal-sheets/" + opportunity + "?page=2");
    EXPECT_EQ(sent[0].method, "GET");

    for (const auto* query : {"?page=abc", "?page=1234", "?page=1&page=2", "?size=3"}) {
        const auto refused = fetch(gw.port(), http::verb::get, sheets + query);
        EXPECT_EQ(refused.result_int(), 400) << query;
        EXPECT_EQ(body_json(refused)["error"], "bad_request") << query;
    }
    EXPECT_EQ(kore_requests_to(gw, "/aggregates/deal-sheets/").size(), 1u);
}

TEST(routes, a_put_goes_upstream_byte_for_byte_and_drops_the_cached_deal) {
    gateway_with_fakes gw(with_routes);
    extend_kore(gw);
    ASSERT_EQ(header_of(fetch(gw.port(), http::verb::get, deal_target), "X-Cache"), "MISS");
    ASSERT_EQ(header_of(fetch(gw.port(), http::verb::get, deal_target), "X-Cache"), "HIT");

    const std::string body = "{ \"total_seats\" :  12,\n \"note\": \"caf\xc3\xa9\" }";
    const auto put =
        fetch(gw.port(), http::verb::put, deal_target,
              {{"Content-Type", "application/json; charset=utf-8"}, {"Cookie", "session=1"}}, body);
    ASSERT_EQ(put.result_int(), 200) << put.body();
    EXPECT_EQ(header_of(put, "Cache-Control"), "no-store");
    const auto sent = kore_requests_to(gw, "/premium-deals/");
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].method, "PUT");
    EXPECT_EQ(sent[0].body, body);
    EXPECT_EQ(sent[0].header("content-type"), "application/json; charset=utf-8");
    EXPECT_EQ(sent[0].header("cookie"), "");
    EXPECT_FALSE(sent[0].header("x-api-key").empty());
    EXPECT_TRUE(sent[0].header("authorization").starts_with("Bearer "));

    EXPECT_EQ(header_of(fetch(gw.port(), http::verb::get, deal_target), "X-Cache"), "MISS");
}

TEST(routes, a_write_that_fails_its_schema_or_media_type_reaches_no_upstream) {
    gateway_with_fakes gw(with_routes);
    extend_kore(gw);
    const auto schema = fetch(gw.port(), http::verb::put, deal_target,
                              {{"Content-Type", "application/json"}}, R"({"total_seats": 0})");
    EXPECT_EQ(schema.result_int(), 400);
    const auto details = body_json(schema)["errors"];
    ASSERT_EQ(details.size(), 1u) << schema.body();
    EXPECT_EQ(details[0]["pointer"], "/total_seats");

    const auto patch = fetch(gw.port(), http::verb::patch, deal_target,
                             {{"Content-Type", "text/plain"}}, R"({"total_seats": 3})");
    EXPECT_EQ(patch.result_int(), 415) << patch.body();
    EXPECT_EQ(body_json(patch)["error"], "unsupported_media_type");

    const auto delete_with_body = fetch(gw.port(), http::verb::delete_, deal_target,
                                        {{"Content-Type", "application/json"}}, "{}");
    EXPECT_EQ(delete_with_body.result_int(), 400);
    EXPECT_TRUE(kore_requests_to(gw, "/premium-deals/").empty());
}

TEST(routes, patch_and_delete_are_forwarded_with_and_without_a_body) {
    gateway_with_fakes gw(with_routes);
    extend_kore(gw);
    const auto patch = fetch(gw.port(), http::verb::patch, deal_target,
                             {{"Content-Type", "application/merge-patch+json"}}, R"({"a":1})");
    EXPECT_EQ(patch.result_int(), 200) << patch.body();
    const auto removed = fetch(gw.port(), http::verb::delete_, deal_target);
    EXPECT_EQ(removed.result_int(), 204) << removed.body();
    const auto sent = kore_requests_to(gw, "/premium-deals/");
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(sent[0].method, "PATCH");
    EXPECT_EQ(sent[0].body, R"({"a":1})");
    EXPECT_EQ(sent[0].header("content-type"), "application/merge-patch+json");
    EXPECT_EQ(sent[1].method, "DELETE");
    EXPECT_EQ(sent[1].body, "");
}

TEST(routes, location_under_the_upstream_is_rewritten_to_the_local_route) {
    gateway_with_fakes gw(with_routes);
    extend_kore(gw);
    const auto created = fetch(gw.port(), http::verb::post, "/deals",
                               {{"Content-Type", "application/json"}}, R"({"name":"n"})");
    ASSERT_EQ(created.result_int(), 201) << created.body();
    EXPECT_EQ(header_of(created, "Location"), "/deals/new-opportunity-7");
    // Not under the upstream's base URL: passed on unchanged.
    EXPECT_EQ(header_of(created, "Content-Location"), "https://elsewhere.example/x/1");
}

TEST(routes, head_on_a_cached_get_answers_its_headers_without_the_body) {
    gateway_with_fakes gw(with_routes);
    const auto get = fetch(gw.port(), http::verb::get, "/catalog/products");
    ASSERT_EQ(get.result_int(), 200);
    test_client client(gw.port());
    client.send_raw("HEAD /catalog/products HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    std::string wire;
    error_code ec;
    std::array<char, 4096> chunk{};
    while (!ec) {
        wire.append(chunk.data(), client.stream().socket().read_some(net::buffer(chunk), ec));
    }
    const auto end_of_header = wire.find("\r\n\r\n");
    ASSERT_NE(end_of_header, std::string::npos) << wire;
    EXPECT_TRUE(wire.starts_with("HTTP/1.1 200 OK\r\n")) << wire;
    EXPECT_NE(wire.find("X-Cache: HIT\r\n"), std::string::npos) << wire;
    EXPECT_NE(wire.find("Content-Length: " + std::to_string(get.body().size()) + "\r\n"),
              std::string::npos)
        << wire;
    EXPECT_EQ(wire.size(), end_of_header + 4) << "a HEAD answer carried a body";
}

TEST(routes, a_fill_under_way_when_a_write_lands_is_not_stored) {
    gateway_with_fakes gw(with_routes);
    extend_kore(gw);
    gw.kore().server().hold_answers();
    auto held_get = std::async(std::launch::async,
                               [&] { return fetch(gw.port(), http::verb::get, deal_target); });
    ASSERT_TRUE(eventually([&] { return gw.kore().server().held_answers() == 1; }, 20s));
    // deal_note goes to the Catalog fake, and invalidates the deal route it shares
    // opportunityId with.
    const auto note = fetch(gw.port(), http::verb::post, deal_target + "/notes",
                            {{"Content-Type", "application/json"}}, R"({"text":"hi"})");
    ASSERT_EQ(note.result_int() / 100, 2) << note.body();
    gw.kore().server().release_answers();
    const auto first = held_get.get();
    EXPECT_EQ(first.result_int(), 200);
    EXPECT_EQ(header_of(first, "X-Cache"), "MISS");
    // The answer fetched before the write was not stored: this is another upstream fetch.
    EXPECT_EQ(header_of(fetch(gw.port(), http::verb::get, deal_target), "X-Cache"), "MISS");
}

} // namespace
} // namespace kore_gateway::testing
