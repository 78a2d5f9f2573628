#include "kore_gateway/gateway/forwarder.hpp"

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/algorithm/string/case_conv.hpp>
#include <gtest/gtest.h>

namespace kore_gateway {
namespace {

using namespace std::chrono_literals;
using header_set = std::multimap<std::string, std::string>;

// The upstream of one test: records every request and answers only when the test says so.
class stepped_upstream final : public upstream_client {
public:
    void async_exchange(upstream_request req, upstream_callback done) override {
        requests.push_back(std::move(req));
        pending_.push_back(std::move(done));
    }

    std::size_t pending() const { return pending_.size(); }

    // Completes the oldest exchange still waiting; the forwarder may start the next one from
    // inside the callback.
    void answer(upstream_result result) {
        ASSERT_FALSE(pending_.empty()) << "no upstream request is waiting for an answer";
        auto done = std::move(pending_.front());
        pending_.pop_front();
        done(std::move(result));
    }

    std::vector<upstream_request> requests;

private:
    std::deque<upstream_callback> pending_;
};

// A token source that hands out tokens, or refuses, when the test says so.
class stepped_tokens final : public token_source {
public:
    void async_get(token_callback done) override {
        ++gets;
        pending_.push_back(std::move(done));
    }
    void invalidate(const std::shared_ptr<const token_snapshot>& rejected) override {
        invalidated.push_back(rejected);
    }
    bool has_usable_token() const override { return true; }
    std::string status() const override { return "test tokens"; }

    std::size_t pending() const { return pending_.size(); }

    // Answers the oldest async_get with a token of that value, and returns it.
    std::shared_ptr<const token_snapshot> give(std::string value) {
        auto token =
            std::make_shared<const token_snapshot>(token_snapshot{std::move(value), {}, {}, {}});
        next()(token_errc::ok, token);
        return token;
    }
    void refuse(token_errc why) { next()(why, nullptr); }

    int gets = 0;
    std::vector<std::shared_ptr<const token_snapshot>> invalidated;

private:
    token_callback next() {
        EXPECT_FALSE(pending_.empty()) << "nobody asked for a token";
        auto done = std::move(pending_.front());
        pending_.pop_front();
        return done;
    }

    std::deque<token_callback> pending_;
};

upstream_result upstream_answer(http::status status, std::string body = R"({"ok":true})") {
    upstream_result result;
    result.response = upstream_response{status, 11};
    result.response.set(http::field::content_type, "application/json");
    result.response.body() = std::move(body);
    return result;
}

upstream_result failed(upstream_errc why) {
    upstream_result result;
    result.error = why;
    return result;
}

// Every header line of req as the connection writes it, names lower-cased, without the two the
// connection adds itself (Host, Content-Length).
header_set lines_of(const upstream_request& req) {
    std::string wire;
    req.write_to(wire, "crm.example");
    header_set lines;
    std::string_view rest(wire);
    rest.remove_prefix(rest.find("\r\n") + 2); // the request line
    for (auto end = rest.find("\r\n"); end != 0 && end != std::string_view::npos;
         end = rest.find("\r\n")) {
        const auto line = rest.substr(0, end);
        const auto colon = line.find(": ");
        auto name = boost::algorithm::to_lower_copy(std::string(line.substr(0, colon)));
        if (name != "host" && name != "content-length") {
            lines.emplace(std::move(name), std::string(line.substr(colon + 2)));
        }
        rest.remove_prefix(end + 2);
    }
    return lines;
}

upstream_config crm_config() {
    upstream_config config;
    config.name = "crm";
    config.base_url = *parse_url("https://crm.example/base");
    config.api_key = "crm-key-123";
    config.api_key_header = "X-Partner-Key";
    config.api_version = "2024-01";
    return config;
}

forward_request get_request() {
    forward_request req;
    req.method = http::verb::get;
    req.target = "/base/items/7?view=full";
    req.request_id = "req-1";
    return req;
}

class forwarder_test : public ::testing::Test {
protected:
    void forward(forward_request req) {
        fwd_.forward(std::move(req),
                     [this](forward_result r) { results_.push_back(std::move(r)); });
    }
    const forward_result& only_result() {
        EXPECT_EQ(results_.size(), 1u);
        return results_.front();
    }

    gateway_metrics metrics_;
    std::shared_ptr<stepped_upstream> upstream_ = std::make_shared<stepped_upstream>();
    std::shared_ptr<stepped_tokens> tokens_ = std::make_shared<stepped_tokens>();
    forwarder fwd_{crm_config(), upstream_, tokens_, metrics_};
    std::vector<forward_result> results_;
};

TEST_F(forwarder_test, builds_every_header_from_scratch_with_the_upstreams_credentials) {
    auto req = get_request();
    req.headers = {{"x-tenant", "acme"}, {"accept-language", "de, en"}};
    forward(std::move(req));
    EXPECT_TRUE(upstream_->requests.empty()) << "sent before the token came";
    tokens_->give("tok-1");
    ASSERT_EQ(upstream_->requests.size(), 1u);
    const auto& sent = upstream_->requests[0];
    EXPECT_EQ(sent.method(), http::verb::get);
    EXPECT_EQ(sent.target(), "/base/items/7?view=full");
    const header_set expected{
        {"accept", "application/json"},       {"user-agent", "kore-gateway/" KORE_GATEWAY_VERSION},
        {"x-partner-key", "crm-key-123"},     {"x-api-version", "2024-01"},
        {"authorization", "Bearer tok-1"},    {"x-request-id", "req-1"},
        {"content-type", "application/json"}, {"x-tenant", "acme"},
        {"accept-language", "de, en"},
    };
    EXPECT_EQ(lines_of(sent), expected);
}

TEST(forwarder, an_upstream_without_key_version_or_auth_gets_none_of_them) {
    gateway_metrics metrics;
    auto bare = std::make_shared<stepped_upstream>();
    upstream_config config;
    config.name = "open";
    forwarder fwd(config, bare, nullptr, metrics);
    int answers = 0;
    fwd.forward(get_request(), [&answers](const forward_result&) { ++answers; });
    ASSERT_EQ(bare->requests.size(), 1u);
    const header_set expected{
        {"accept", "application/json"},
        {"user-agent", "kore-gateway/" KORE_GATEWAY_VERSION},
        {"x-request-id", "req-1"},
        {"content-type", "application/json"},
    };
    EXPECT_EQ(lines_of(bare->requests[0]), expected);

    // Without a token source a 401 is final: nothing to renew.
    bare->answer(upstream_answer(http::status::unauthorized));
    EXPECT_EQ(answers, 1);
    EXPECT_EQ(bare->requests.size(), 1u);
}

TEST_F(forwarder_test, a_write_keeps_the_clients_json_media_type) {
    auto req = get_request();
    req.method = http::verb::patch;
    req.body = R"({"name":"x"})";
    req.content_type = "application/merge-patch+json; charset=utf-8";
    forward(std::move(req));
    tokens_->give("tok-1");
    ASSERT_EQ(upstream_->requests.size(), 1u);
    EXPECT_EQ(upstream_->requests[0][http::field::content_type],
              "application/merge-patch+json; charset=utf-8");
}

TEST_F(forwarder_test, only_post_put_and_patch_carry_a_body) {
    const std::vector<std::pair<http::verb, bool>> cases{{http::verb::post, true},
                                                         {http::verb::put, true},
                                                         {http::verb::patch, true},
                                                         {http::verb::get, false},
                                                         {http::verb::delete_, false}};
    for (const auto& [method, has_body] : cases) {
        auto req = get_request();
        req.method = method;
        req.body = R"({"a":1})";
        forward(std::move(req));
        tokens_->give("tok");
        ASSERT_FALSE(upstream_->requests.empty());
        const auto& sent = upstream_->requests.back();
        EXPECT_EQ(sent.method(), method);
        EXPECT_EQ(sent.body(), has_body ? R"({"a":1})" : "") << http::to_string(method);
        upstream_->answer(upstream_answer(http::status::ok));
    }
    EXPECT_EQ(results_.size(), cases.size());
}

TEST_F(forwarder_test, a_401_drops_the_token_that_failed_renews_it_and_retries_once) {
    forward(get_request());
    const auto first = tokens_->give("tok-old");
    upstream_->answer(upstream_answer(http::status::unauthorized));

    ASSERT_EQ(tokens_->invalidated.size(), 1u);
    EXPECT_EQ(tokens_->invalidated[0], first);
    EXPECT_EQ(tokens_->gets, 2);
    EXPECT_EQ(upstream_->requests.size(), 1u) << "retried before the new token came";
    EXPECT_TRUE(results_.empty());

    tokens_->give("tok-new");
    ASSERT_EQ(upstream_->requests.size(), 2u);
    EXPECT_EQ(upstream_->requests[1][http::field::authorization], "Bearer tok-new");
    EXPECT_EQ(upstream_->requests[1].target(), upstream_->requests[0].target());
    EXPECT_EQ(upstream_->requests[1]["X-Request-Id"], "req-1");
    upstream_->answer(upstream_answer(http::status::ok, R"({"id":7})"));

    const auto& result = only_result();
    EXPECT_EQ(result.failure, forward_failure::none);
    EXPECT_EQ(result.answer.status, 200u);
    EXPECT_EQ(*result.answer.body, R"({"id":7})");
}

TEST_F(forwarder_test, a_second_401_is_auth_failed_without_a_third_try) {
    forward(get_request());
    tokens_->give("tok-1");
    upstream_->answer(upstream_answer(http::status::unauthorized));
    tokens_->give("tok-2");
    upstream_->answer(upstream_answer(http::status::unauthorized));

    const auto& result = only_result();
    EXPECT_EQ(result.failure, forward_failure::auth_failed);
    EXPECT_EQ(result.message.find("tok-"), std::string::npos) << "a token in the message";
    EXPECT_EQ(upstream_->requests.size(), 2u);
    EXPECT_EQ(tokens_->gets, 2);
    EXPECT_EQ(tokens_->pending(), 0u);
    EXPECT_EQ(tokens_->invalidated.size(), 1u);
}

TEST_F(forwarder_test, a_write_is_retried_on_401_with_the_same_body) {
    auto req = get_request();
    req.method = http::verb::post;
    req.body = R"({"price":1})";
    forward(std::move(req));
    tokens_->give("tok-1");
    upstream_->answer(upstream_answer(http::status::unauthorized));
    tokens_->give("tok-2");
    ASSERT_EQ(upstream_->requests.size(), 2u);
    EXPECT_EQ(upstream_->requests[1].method(), http::verb::post);
    EXPECT_EQ(upstream_->requests[1].body(), R"({"price":1})");
    upstream_->answer(upstream_answer(http::status::created));
    EXPECT_EQ(only_result().answer.status, 201u);
}

TEST_F(forwarder_test, a_write_is_not_retried_on_any_other_failure) {
    auto req = get_request();
    req.method = http::verb::post;
    req.body = "{}";
    forward(std::move(req));
    tokens_->give("tok-1");
    upstream_->answer(failed(upstream_errc::connection_reset));
    EXPECT_EQ(only_result().failure, forward_failure::unavailable);
    EXPECT_EQ(upstream_->requests.size(), 1u);
    EXPECT_EQ(tokens_->gets, 1);
}

TEST_F(forwarder_test, a_token_failure_is_auth_failed_and_sends_nothing) {
    for (const auto why :
         {token_errc::unavailable, token_errc::rejected, token_errc::invalid_response}) {
        results_.clear();
        forward(get_request());
        tokens_->refuse(why);
        ASSERT_EQ(results_.size(), 1u) << to_string(why);
        EXPECT_EQ(results_[0].failure, forward_failure::auth_failed) << to_string(why);
        EXPECT_NE(results_[0].message.find("crm"), std::string::npos) << results_[0].message;
    }
    EXPECT_TRUE(upstream_->requests.empty());
}

TEST_F(forwarder_test, a_token_failure_during_the_401_renewal_is_auth_failed) {
    forward(get_request());
    tokens_->give("tok-1");
    upstream_->answer(upstream_answer(http::status::unauthorized));
    tokens_->refuse(token_errc::unavailable);
    EXPECT_EQ(only_result().failure, forward_failure::auth_failed);
    EXPECT_EQ(upstream_->requests.size(), 1u);
}

TEST_F(forwarder_test, each_upstream_error_maps_to_its_failure_class_and_error) {
    struct error_case {
        upstream_errc error;
        forward_failure failure;
        unsigned status;
        std::string_view code;
    };
    const std::vector<error_case> cases{
        {upstream_errc::connect_failed, forward_failure::unavailable, 502, "upstream_unavailable"},
        {upstream_errc::tls_failed, forward_failure::unavailable, 502, "upstream_unavailable"},
        {upstream_errc::connection_reset, forward_failure::unavailable, 502,
         "upstream_unavailable"},
        {upstream_errc::timeout, forward_failure::timeout, 504, "upstream_timeout"},
        {upstream_errc::invalid_response, forward_failure::invalid_response, 502,
         "upstream_invalid_response"},
    };
    for (const auto& c : cases) {
        results_.clear();
        forward(get_request());
        tokens_->give("tok");
        upstream_->answer(failed(c.error));
        ASSERT_EQ(results_.size(), 1u) << to_string(c.error);
        EXPECT_EQ(results_[0].failure, c.failure) << to_string(c.error);
        const auto& kind = error_kind_of(results_[0].failure);
        EXPECT_EQ(static_cast<unsigned>(kind.status), c.status) << to_string(c.error);
        EXPECT_EQ(kind.code, c.code) << to_string(c.error);
    }
    EXPECT_EQ(error_kind_of(forward_failure::auth_failed).code, "upstream_auth_failed");
    EXPECT_EQ(upstream_->requests.size(), cases.size()) << "a failure was retried";
}

TEST_F(forwarder_test, a_body_that_is_not_json_is_an_invalid_response_whatever_the_status) {
    for (const auto status : {http::status::ok, http::status::bad_gateway}) {
        results_.clear();
        forward(get_request());
        tokens_->give("tok");
        upstream_->answer(upstream_answer(status, "<html>busy</html>"));
        ASSERT_EQ(results_.size(), 1u);
        EXPECT_EQ(results_[0].failure, forward_failure::invalid_response)
            << static_cast<unsigned>(status);
    }
}

TEST_F(forwarder_test, the_answer_is_passed_on_with_its_location_headers) {
    forward(get_request());
    tokens_->give("tok");
    auto res = upstream_answer(http::status::created, R"({"id":"42"})");
    res.response.set(http::field::location, "https://crm.example/base/items/42");
    res.response.set(http::field::content_location, "/base/items/42?v=1");
    res.response.insert(http::field::cache_control, "max-age=60");
    res.response.insert(http::field::cache_control, "no-store");
    upstream_->answer(std::move(res));

    const auto& result = only_result();
    ASSERT_EQ(result.failure, forward_failure::none);
    EXPECT_EQ(result.answer.status, 201u);
    EXPECT_EQ(result.answer.content_type, "application/json");
    EXPECT_EQ(result.answer.location, "https://crm.example/base/items/42");
    EXPECT_EQ(result.answer.content_location, "/base/items/42?v=1");
    EXPECT_EQ(result.answer.cache_control, "max-age=60, no-store");
    EXPECT_EQ(*result.answer.body, R"({"id":"42"})");
}

// A field the answer repeats: the first Content-Type, Location and Content-Location count (what
// a lookup by name gives), and none of the later ones is appended to them.
TEST_F(forwarder_test, the_first_of_a_repeated_answer_field_is_passed_on) {
    forward(get_request());
    tokens_->give("tok");
    auto res = upstream_answer(http::status::created, R"({"id":"42"})");
    res.response.set(http::field::content_type, "application/vnd.first+json");
    res.response.insert(http::field::content_type, "text/plain");
    res.response.insert(http::field::location, "/items/42");
    res.response.insert(http::field::location, "/items/43");
    res.response.insert(http::field::content_location, "/items/42?v=1");
    res.response.insert(http::field::content_location, "/items/43?v=1");
    upstream_->answer(std::move(res));

    const auto& result = only_result();
    ASSERT_EQ(result.failure, forward_failure::none);
    EXPECT_EQ(result.answer.content_type, "application/vnd.first+json");
    EXPECT_EQ(result.answer.location, "/items/42");
    EXPECT_EQ(result.answer.content_location, "/items/42?v=1");
}

TEST_F(forwarder_test, an_empty_answer_without_content_type_is_passed_on_as_json) {
    forward(get_request());
    tokens_->give("tok");
    upstream_result res;
    res.response = upstream_response{http::status::no_content, 11};
    upstream_->answer(std::move(res));
    const auto& result = only_result();
    ASSERT_EQ(result.failure, forward_failure::none);
    EXPECT_EQ(result.answer.status, 204u);
    EXPECT_EQ(result.answer.content_type, "application/json");
    EXPECT_TRUE(result.answer.location.empty());
    EXPECT_EQ(shared_body::size(result.answer.body), 0u);
}

TEST_F(forwarder_test, a_per_request_timeout_reaches_the_upstream_request) {
    auto req = get_request();
    req.timeout = 1500ms;
    forward(std::move(req));
    forward(get_request());
    tokens_->give("tok");
    tokens_->give("tok");
    ASSERT_EQ(upstream_->requests.size(), 2u);
    EXPECT_EQ(upstream_->requests[0].timeout(), 1500ms);
    EXPECT_EQ(upstream_->requests[1].timeout(), 0ms) << "zero leaves the client's deadline";
}

} // namespace
} // namespace kore_gateway
