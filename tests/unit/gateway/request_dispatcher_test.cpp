#include "kore_gateway/gateway/request_dispatcher.hpp"

#include <deque>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/fwd_fakes.hpp"
#include "support/handler_answers.hpp"

namespace kore_gateway {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::as_received;
using testing::is_gateway_error;
using testing::test_response;
using header_list = std::vector<std::pair<std::string, std::string>>;

// The built-ins plus a crm API with a literal path next to a parameter, a body schema and every
// write method.
constexpr auto dispatcher_routes_json = R"([
    {"name": "item", "method": "GET", "path": "/crm/items/{id}", "upstream": "crm",
     "upstream_path": "/items/{id}", "cache_ttl_s": 60, "query": {"view": {}},
     "forward_headers": ["x-tenant"]},
    {"name": "item_update", "method": "PUT", "path": "/crm/items/{id}", "upstream": "crm",
     "upstream_path": "/items/{id}",
     "body_schema": {"type": "object", "required": ["name"], "additionalProperties": false,
                     "properties": {"name": {"type": "string"}}}},
    {"name": "item_delete", "method": "DELETE", "path": "/crm/items/{id}", "upstream": "crm",
     "upstream_path": "/items/{id}"},
    {"name": "item_search", "method": "GET", "path": "/crm/items/search", "upstream": "crm",
     "upstream_path": "/items/search",
     "query": {"q": {"required": true, "pattern": "[a-z ]{1,20}"}, "page": {}}}])";

gateway_config dispatcher_config() {
    gateway_config config;
    config.upstream_names.insert("crm");
    config.routes_source = json::parse(dispatcher_routes_json);
    config.admin_token = "admin-secret";
    return config;
}

// The routes that go upstream: records each call and answers when the test says so.
class fake_upstream_routes final : public upstream_routes {
public:
    void handle(upstream_call&& call, outcome_fn done) override {
        calls.push_back(std::move(call));
        pending_.push_back(std::move(done));
    }
    std::string not_ready_reason() const override { return not_ready; }
    bool purge_cache(const std::string& route, std::function<void(std::size_t)> done) override {
        if (route == "unknown") {
            return false;
        }
        ++purges;
        purged_routes.push_back(route);
        done(3);
        return true;
    }

    // Answers the oldest call still waiting.
    void reply(route_outcome outcome) {
        ASSERT_FALSE(pending_.empty()) << "no call is waiting";
        auto done = std::move(pending_.front());
        pending_.pop_front();
        done(std::move(outcome));
    }

    std::vector<upstream_call> calls;
    std::string not_ready;
    int purges = 0;
    std::vector<std::string> purged_routes;

private:
    std::deque<outcome_fn> pending_;
};

request dispatcher_request(http::verb method, const std::string& target,
                           const header_list& headers = {}, std::string body = {}) {
    request req{method, target, 11};
    req.set(http::field::host, "gateway.test");
    for (const auto& [name, value] : headers) {
        req.insert(name, value);
    }
    req.body() = std::move(body);
    req.prepare_payload();
    return req;
}

route_outcome upstream_ok(std::string body = R"({"id":"1"})") {
    response res{http::status::ok, 11};
    res.set(http::field::content_type, "application/json");
    res.body() = make_body(std::move(body));
    return {std::move(res), {}};
}

// A request id the gateway made up: valid, and as long as random_id() makes them.
bool is_new_request_id(std::string_view id) {
    return id.size() == 32 && is_valid_request_id(id);
}

class request_dispatcher_test : public ::testing::Test {
protected:
    explicit request_dispatcher_test(gateway_config config = dispatcher_config())
        : config_(std::move(config)), routes_(build_route_table(config_)),
          dispatcher_(config_, routes_, upstream_, metrics_, clock_) {}

    void send(request req, const std::string& client_ip = "10.0.0.1") {
        dispatcher_.handle(std::move(req), {client_ip, std::chrono::steady_clock::now()},
                           [this](response res) { answers_.push_back(std::move(res)); });
    }
    // The answer to req, which must not reach the upstream routes.
    test_response answer_of(request req, const std::string& client_ip = "10.0.0.1") {
        const auto calls = upstream_.calls.size();
        const auto answers = answers_.size();
        send(std::move(req), client_ip);
        EXPECT_EQ(upstream_.calls.size(), calls) << "the request reached the upstream routes";
        EXPECT_EQ(answers_.size(), answers + 1);
        return answers_.empty() ? test_response{} : as_received(answers_.back());
    }
    // The call req becomes; the upstream routes then answer it with outcome.
    upstream_call call_of(request req, route_outcome outcome = upstream_ok()) {
        const auto calls = upstream_.calls.size();
        send(std::move(req));
        EXPECT_EQ(upstream_.calls.size(), calls + 1) << "nothing reached the upstream routes";
        if (upstream_.calls.size() == calls) {
            return {};
        }
        auto call = upstream_.calls.back();
        upstream_.reply(std::move(outcome));
        return call;
    }
    test_response last_answer() const { return as_received(answers_.back()); }

    manual_clock clock_; // the rate limiter's
    gateway_config config_;
    route_table routes_;
    fake_upstream_routes upstream_;
    gateway_metrics metrics_;
    request_dispatcher dispatcher_;
    std::vector<response> answers_;
};

TEST_F(request_dispatcher_test, the_gateways_own_endpoints_answer_without_the_upstream_routes) {
    const auto health = answer_of(dispatcher_request(http::verb::get, "/healthz"));
    EXPECT_EQ(health.result_int(), 200u);
    EXPECT_EQ(json::parse(health.body()), json({{"status", "ok"}}));

    const auto ready = answer_of(dispatcher_request(http::verb::get, "/readyz"));
    EXPECT_EQ(json::parse(ready.body()), json({{"status", "ready"}}));
    upstream_.not_ready = "crm: no token yet";
    const auto not_ready = answer_of(dispatcher_request(http::verb::get, "/readyz"));
    EXPECT_TRUE(is_gateway_error(not_ready, 503, "not_ready"));
    EXPECT_NE(not_ready.body().find("crm: no token yet"), std::string::npos);

    const auto metrics = answer_of(dispatcher_request(http::verb::get, "/metrics"));
    EXPECT_EQ(metrics.result_int(), 200u);
    EXPECT_TRUE(metrics[http::field::content_type].starts_with("text/plain"));
    EXPECT_NE(metrics.body().find("kore_gateway_"), std::string::npos);
}

TEST_F(request_dispatcher_test, openapi_json_is_served_as_json_for_the_route_table) {
    const auto res = answer_of(dispatcher_request(http::verb::get, "/openapi.json"));
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_EQ(res[http::field::content_type], "application/json");
    const auto doc = json::parse(res.body());
    EXPECT_EQ(doc.at("openapi"), "3.1.0");
    EXPECT_TRUE(doc.at("paths").contains("/crm/items/{id}"));
    EXPECT_TRUE(doc.at("paths").contains("/catalog/products"));
}

TEST_F(request_dispatcher_test, purge_needs_the_admin_bearer_token) {
    const auto none = answer_of(dispatcher_request(http::verb::post, "/admin/cache/purge"));
    EXPECT_TRUE(is_gateway_error(none, 401, "unauthorized"));
    EXPECT_EQ(none[http::field::www_authenticate], "Bearer");
    const auto wrong = answer_of(dispatcher_request(http::verb::post, "/admin/cache/purge",
                                                    {{"Authorization", "Bearer admin-secreT"}}));
    EXPECT_TRUE(is_gateway_error(wrong, 401, "unauthorized"));
    EXPECT_EQ(upstream_.purges, 0);

    const auto purged = answer_of(dispatcher_request(http::verb::post, "/admin/cache/purge",
                                                     {{"Authorization", "bearer admin-secret"}}));
    EXPECT_EQ(purged.result_int(), 200u);
    EXPECT_EQ(json::parse(purged.body()), json({{"purged", 3}}));
    EXPECT_EQ(upstream_.purges, 1);
}

TEST_F(request_dispatcher_test, purge_takes_one_route_parameter_or_none) {
    const auto admin = std::pair<std::string, std::string>{"Authorization", "Bearer admin-secret"};
    const auto of_route = answer_of(dispatcher_request(
        http::verb::post, "/admin/cache/purge?route=catalog%5Fproducts", {admin}));
    EXPECT_EQ(of_route.result_int(), 200u);
    EXPECT_EQ(upstream_.purged_routes, std::vector<std::string>{"catalog_products"});

    for (const auto* query : {"?route=", "?route", "?all=1", "?route=a&route=b", "?x=1&route=a"}) {
        EXPECT_TRUE(is_gateway_error(
            answer_of(dispatcher_request(http::verb::post,
                                         std::string("/admin/cache/purge") + query, {admin})),
            400, "bad_request"))
            << query;
    }
    EXPECT_TRUE(
        is_gateway_error(answer_of(dispatcher_request(http::verb::post,
                                                      "/admin/cache/purge?route=unknown", {admin})),
                         404, "not_found"));
    EXPECT_EQ(upstream_.purges, 1);
}

class request_dispatcher_without_admin : public request_dispatcher_test {
protected:
    static gateway_config without_admin() {
        auto config = dispatcher_config();
        config.admin_token.clear();
        return config;
    }
    request_dispatcher_without_admin() : request_dispatcher_test(without_admin()) {}
};

TEST_F(request_dispatcher_without_admin, purge_looks_like_an_unknown_path) {
    EXPECT_TRUE(
        is_gateway_error(answer_of(dispatcher_request(http::verb::post, "/admin/cache/purge",
                                                      {{"Authorization", "Bearer "}})),
                         404, "not_found"));
    EXPECT_EQ(upstream_.purges, 0);
}

TEST_F(request_dispatcher_test, routing_answers_404_405_and_bad_parameters_itself) {
    struct routing_case {
        http::verb method;
        std::string target;
        unsigned status;
        std::string allow; // expected Allow, when not empty
    };
    const std::vector<routing_case> cases{
        {http::verb::get, "/nowhere", 404, ""},
        {http::verb::get, "/crm/items/1/more", 404, ""},
        {http::verb::post, "/crm/items/1", 405, "GET, HEAD, PUT, DELETE"},
        {http::verb::put, "/deals/d1", 405, "GET, HEAD"},
        {http::verb::post, "/healthz", 405, "GET, HEAD"},
        {http::verb::get, "/admin/cache/purge", 405, "POST"},
        {http::verb::get, "/crm/items/a.b", 400, ""},
        {http::verb::patch, "/crm/items/a.b", 400, ""},
        {http::verb::delete_, "/crm/items/" + std::string(129, 'x'), 400, ""},
    };
    for (const auto& c : cases) {
        const auto res = answer_of(dispatcher_request(c.method, c.target));
        const auto error = c.status == 404   ? "not_found"
                           : c.status == 405 ? "method_not_allowed"
                                             : "bad_request";
        EXPECT_TRUE(is_gateway_error(res, c.status, error)) << c.target;
        EXPECT_EQ(res[http::field::allow], c.allow) << c.target;
    }
    const auto options = answer_of(dispatcher_request(http::verb::options, "/crm/items/1"));
    EXPECT_EQ(options.result_int(), 204u);
    EXPECT_EQ(options[http::field::allow], "GET, HEAD, PUT, DELETE");
}

TEST_F(request_dispatcher_test, a_literal_segment_beats_a_parameter) {
    EXPECT_EQ(call_of(dispatcher_request(http::verb::get, "/crm/items/search?q=abc")).row,
              routes_.find("item_search"));
    const auto item = call_of(dispatcher_request(http::verb::get, "/crm/items/abc"));
    EXPECT_EQ(item.row, routes_.find("item"));
    ASSERT_EQ(item.params.size(), 1u);
    EXPECT_EQ(item.params[0].second, "abc");
}

TEST_F(request_dispatcher_test, a_query_that_breaks_the_rows_rules_is_400_and_goes_nowhere) {
    for (const auto& target : std::vector<std::string>{
             "/crm/items/1?color=red",                     // unknown
             "/crm/items/1?view=a&view=b",                 // repeated
             "/crm/items/search",                          // required q missing
             "/crm/items/search?page=1",                   // required q missing
             "/crm/items/search?q=UPPER",                  // q against its pattern
             "/crm/items/1?view=" + std::string(129, 'v'), // the default rule
         }) {
        EXPECT_TRUE(is_gateway_error(answer_of(dispatcher_request(http::verb::get, target)), 400,
                                     "bad_request"))
            << target;
    }
}

TEST_F(request_dispatcher_test, a_good_query_is_decoded_and_sorted_by_name) {
    const auto call =
        call_of(dispatcher_request(http::verb::get, "/crm/items/search?q=hello+world&page=2"));
    const std::vector<std::pair<std::string, std::string>> expected{{"page", "2"},
                                                                    {"q", "hello world"}};
    EXPECT_EQ(call.query, expected);
}

TEST_F(request_dispatcher_test, a_write_needs_a_json_media_type) {
    const auto put = [](std::string content_type) {
        return dispatcher_request(http::verb::put, "/crm/items/1", {{"Content-Type", content_type}},
                                  R"({"name":"n"})");
    };
    for (const auto* type : {"text/plain", "application/x-www-form-urlencoded", "json"}) {
        EXPECT_TRUE(is_gateway_error(answer_of(put(type)), 415, "unsupported_media_type")) << type;
    }
    const auto call = call_of(put("application/merge-patch+json; charset=utf-8"));
    EXPECT_EQ(call.method, http::verb::put);
    EXPECT_EQ(call.body, R"({"name":"n"})");
    EXPECT_EQ(call.content_type, "application/merge-patch+json; charset=utf-8");
}

TEST_F(request_dispatcher_test, a_body_that_fails_the_schema_is_400_with_each_failure) {
    const auto res = answer_of(dispatcher_request(http::verb::put, "/crm/items/1",
                                                  {{"Content-Type", "application/json"}},
                                                  R"({"name": 5, "extra": true})"));
    ASSERT_TRUE(is_gateway_error(res, 400, "bad_request"));
    const auto errors = json::parse(res.body()).at("errors");
    ASSERT_EQ(errors.size(), 2u) << errors;
    std::set<std::string> pointers;
    for (const auto& e : errors) {
        pointers.insert(e.at("pointer").get<std::string>());
        EXPECT_FALSE(e.at("message").get<std::string>().empty());
    }
    EXPECT_EQ(pointers, (std::set<std::string>{"/name", "/extra"}));

    for (const auto* body : {"", "{not json", "{}"}) {
        EXPECT_TRUE(is_gateway_error(
            answer_of(dispatcher_request(http::verb::put, "/crm/items/1",
                                         {{"Content-Type", "application/json"}}, body)),
            400, "bad_request"))
            << body;
    }
}

TEST_F(request_dispatcher_test, a_delete_must_not_have_a_body) {
    EXPECT_TRUE(is_gateway_error(
        answer_of(dispatcher_request(http::verb::delete_, "/crm/items/1", {}, R"({"why":"x"})")),
        400, "bad_request"));
    const auto call = call_of(dispatcher_request(http::verb::delete_, "/crm/items/1"));
    EXPECT_EQ(call.method, http::verb::delete_);
    EXPECT_TRUE(call.body.empty());
}

TEST_F(request_dispatcher_test, only_the_rows_forward_headers_and_if_none_match_are_passed_on) {
    const auto call = call_of(dispatcher_request(http::verb::get, "/crm/items/1",
                                                 {{"X-Tenant", "acme"},
                                                  {"X-Tenant", "beta"},
                                                  {"X-Other", "no"},
                                                  {"Cookie", "session=1"},
                                                  {"Authorization", "Bearer client"},
                                                  {"If-None-Match", "\"abc\""}}));
    const std::vector<std::pair<std::string, std::string>> expected{{"x-tenant", "acme, beta"}};
    EXPECT_EQ(call.headers, expected);
    EXPECT_EQ(call.if_none_match, "\"abc\"");
    EXPECT_TRUE(call_of(dispatcher_request(http::verb::get, "/crm/items/1")).headers.empty());
}

TEST_F(request_dispatcher_test, the_request_id_is_the_clients_valid_one_or_a_new_one) {
    const auto kept = call_of(
        dispatcher_request(http::verb::get, "/crm/items/1", {{"X-Request-Id", "client-id.1"}}));
    EXPECT_EQ(kept.request_id, "client-id.1");
    EXPECT_EQ(last_answer()["X-Request-Id"], "client-id.1");

    const auto replaced =
        call_of(dispatcher_request(http::verb::get, "/crm/items/1", {{"X-Request-Id", "bad id!"}}));
    EXPECT_TRUE(is_new_request_id(replaced.request_id)) << replaced.request_id;
    EXPECT_EQ(last_answer()["X-Request-Id"], replaced.request_id);

    const auto error = answer_of(dispatcher_request(http::verb::get, "/nowhere"));
    EXPECT_TRUE(is_new_request_id(std::string(error["X-Request-Id"])));
}

TEST_F(request_dispatcher_test, head_answers_without_a_body_but_with_the_gets_length) {
    const auto call =
        call_of(dispatcher_request(http::verb::head, "/crm/items/1"), upstream_ok("{\"n\":12345}"));
    EXPECT_EQ(call.method, http::verb::head);
    EXPECT_EQ(call.row, routes_.find("item"));
    const auto res = last_answer();
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_TRUE(res.body().empty());
    EXPECT_EQ(res[http::field::content_length], "11");

    const auto get = answer_of(dispatcher_request(http::verb::get, "/healthz"));
    const auto head = answer_of(dispatcher_request(http::verb::head, "/healthz"));
    EXPECT_TRUE(head.body().empty());
    EXPECT_EQ(head[http::field::content_length], std::to_string(get.body().size()));
}

TEST_F(request_dispatcher_test, cache_control_is_private_no_cache_only_on_a_cached_routes_answer) {
    call_of(dispatcher_request(http::verb::get, "/crm/items/1"));
    EXPECT_EQ(last_answer()[http::field::cache_control], "private, no-cache");

    call_of(dispatcher_request(http::verb::put, "/crm/items/1", {}, R"({"name":"n"})"));
    EXPECT_EQ(last_answer()[http::field::cache_control], "no-store");

    // Errors never may be kept, on a cached route either.
    call_of(dispatcher_request(http::verb::get, "/crm/items/1"),
            error_outcome(errors::upstream_timeout, "slow"));
    EXPECT_EQ(last_answer()[http::field::cache_control], "no-store");
    for (const auto* target : {"/crm/items/1?color=red", "/crm/items/a.b", "/nowhere"}) {
        EXPECT_EQ(
            answer_of(dispatcher_request(http::verb::get, target))[http::field::cache_control],
            "no-store")
            << target;
    }
    EXPECT_EQ(
        answer_of(dispatcher_request(http::verb::get, "/healthz"))[http::field::cache_control],
        "no-store");
}

TEST_F(request_dispatcher_test, every_answer_to_an_allowed_origin_carries_cors_headers) {
    call_of(
        dispatcher_request(http::verb::get, "/crm/items/1", {{"Origin", "https://app.example"}}));
    const auto ok = last_answer();
    EXPECT_EQ(ok[http::field::access_control_allow_origin], "*");
    EXPECT_EQ(ok[http::field::access_control_expose_headers], "X-Cache, X-Request-Id, Age, ETag");
    const auto error = answer_of(
        dispatcher_request(http::verb::get, "/nowhere", {{"Origin", "https://app.example"}}));
    EXPECT_EQ(error[http::field::access_control_allow_origin], "*");
    EXPECT_EQ(error.count(http::field::access_control_allow_credentials), 0u);

    const auto preflight = answer_of(dispatcher_request(
        http::verb::options, "/crm/items/1",
        {{"Origin", "https://app.example"}, {"Access-Control-Request-Method", "PUT"}}));
    EXPECT_EQ(preflight.result_int(), 204u);
    EXPECT_EQ(preflight[http::field::access_control_allow_methods], "GET, HEAD, PUT, DELETE");
    EXPECT_NE(preflight[http::field::access_control_allow_headers].find("Content-Type"),
              std::string::npos);
    EXPECT_FALSE(preflight[http::field::access_control_max_age].empty());
}

class request_dispatcher_origins : public request_dispatcher_test {
protected:
    static gateway_config listed_origins() {
        auto config = dispatcher_config();
        config.cors_origins = {"https://app.example"};
        return config;
    }
    request_dispatcher_origins() : request_dispatcher_test(listed_origins()) {}
};

TEST_F(request_dispatcher_origins, a_listed_origin_is_echoed_and_another_gets_nothing) {
    call_of(
        dispatcher_request(http::verb::get, "/crm/items/1", {{"Origin", "https://app.example"}}));
    EXPECT_EQ(last_answer()[http::field::access_control_allow_origin], "https://app.example");
    EXPECT_EQ(last_answer()[http::field::vary], "Origin");

    call_of(
        dispatcher_request(http::verb::get, "/crm/items/1", {{"Origin", "https://evil.example"}}));
    EXPECT_EQ(last_answer().count(http::field::access_control_allow_origin), 0u);

    const auto denied = answer_of(dispatcher_request(
        http::verb::options, "/crm/items/1",
        {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "GET"}}));
    EXPECT_TRUE(is_gateway_error(denied, 403, "forbidden"));
    EXPECT_EQ(denied.count(http::field::access_control_allow_origin), 0u);
    EXPECT_EQ(denied.count(http::field::access_control_allow_methods), 0u);
}

TEST_F(request_dispatcher_test, answer_before_body_decides_what_the_header_alone_decides) {
    const request_context ctx{"10.0.0.1", std::chrono::steady_clock::now()};
    struct early_case {
        http::verb method;
        std::string target;
        std::string content_type;
        std::optional<unsigned> status; // nullopt: the body must come
    };
    const std::vector<early_case> cases{
        {http::verb::put, "/nowhere", "application/json", 404},
        {http::verb::patch, "/crm/items/1", "application/json", 405},
        {http::verb::post, "/healthz", "application/json", 405},
        {http::verb::put, "/crm/items/a.b", "application/json", 400},
        {http::verb::put, "/crm/items/1", "text/plain", 415},
        {http::verb::put, "/crm/items/1", "application/json", std::nullopt},
        {http::verb::post, "/admin/cache/purge", "application/json", std::nullopt},
    };
    for (const auto& c : cases) {
        const auto req = dispatcher_request(c.method, c.target, {{"Content-Type", c.content_type}});
        const auto early = dispatcher_.answer_before_body(req.base(), ctx);
        ASSERT_EQ(early.has_value(), c.status.has_value()) << c.target;
        if (early) {
            const auto res = as_received(*early);
            EXPECT_EQ(res.result_int(), *c.status) << c.target;
            EXPECT_EQ(res[http::field::cache_control], "no-store") << c.target;
            EXPECT_TRUE(is_new_request_id(std::string(res["X-Request-Id"]))) << c.target;
            EXPECT_EQ(res[http::field::allow].empty(), *c.status != 405) << c.target;
        }
    }
    EXPECT_TRUE(upstream_.calls.empty());
}

TEST_F(request_dispatcher_test, reject_answers_each_rejection_with_its_status) {
    const request_context ctx{"10.0.0.1", std::chrono::steady_clock::now()};
    struct reject_case {
        rejection why;
        unsigned status;
        std::string_view error;
    };
    const std::vector<reject_case> cases{
        {rejection::malformed, 400, "bad_request"},
        {rejection::bad_header, 400, "bad_request"},
        {rejection::not_implemented, 501, "not_implemented"},
        {rejection::headers_too_big, 431, "headers_too_large"},
        {rejection::body_too_big, 413, "payload_too_large"},
    };
    const auto header =
        dispatcher_request(http::verb::post, "/crm/items", {{"X-Request-Id", "rid-7"}});
    for (const auto& c : cases) {
        const auto without = as_received(dispatcher_.reject(c.why, "the detail", nullptr, ctx));
        EXPECT_TRUE(is_gateway_error(without, c.status, c.error)) << c.error;
        EXPECT_TRUE(is_new_request_id(std::string(without["X-Request-Id"])));
        const auto with = as_received(dispatcher_.reject(c.why, "the detail", &header.base(), ctx));
        EXPECT_TRUE(is_gateway_error(with, c.status, c.error)) << c.error;
        EXPECT_EQ(with["X-Request-Id"], "rid-7");
        EXPECT_EQ(with[http::field::cache_control], "no-store");
    }
    const auto detail = as_received(
        dispatcher_.reject(rejection::not_implemented, "gzip is not implemented", nullptr, ctx));
    EXPECT_EQ(json::parse(detail.body()).at("message"), "gzip is not implemented");
}

class request_dispatcher_rate_limited : public request_dispatcher_test {
protected:
    static gateway_config limited() {
        auto config = dispatcher_config();
        config.rate_limit_rps = 1;
        return config;
    }
    request_dispatcher_rate_limited() : request_dispatcher_test(limited()) {}
};

TEST_F(request_dispatcher_rate_limited, a_client_over_its_rate_gets_429_with_retry_after) {
    const auto healthz = [] { return dispatcher_request(http::verb::get, "/healthz"); };
    EXPECT_EQ(answer_of(healthz()).result_int(), 200u);
    EXPECT_EQ(answer_of(healthz()).result_int(), 200u) << "the burst is twice the rate";
    const auto limited = answer_of(healthz());
    EXPECT_TRUE(is_gateway_error(limited, 429, "rate_limited"));
    EXPECT_EQ(limited[http::field::retry_after], "1");
    EXPECT_EQ(answer_of(healthz(), "10.0.0.2").result_int(), 200u) << "per client address";
    clock_.advance(1s);
    EXPECT_EQ(answer_of(healthz()).result_int(), 200u);
}

} // namespace
} // namespace kore_gateway
