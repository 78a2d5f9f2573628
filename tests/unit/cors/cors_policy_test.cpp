#include "kore_gateway/cors/cors_policy.hpp"

#include <gtest/gtest.h>

namespace kore_gateway {
namespace {

response empty_response() {
    return response{http::status::ok, 11};
}

TEST(cors_policy, wildcard_allows_every_origin_with_a_star) {
    const cors_policy policy({"*"});
    EXPECT_EQ(policy.check("https://a.example"), cors_policy::verdict::allowed);
    EXPECT_EQ(policy.check(""), cors_policy::verdict::no_origin);
    auto res = empty_response();
    policy.decorate(res, "https://a.example");
    EXPECT_EQ(res[http::field::access_control_allow_origin], "*");
    EXPECT_EQ(res[http::field::access_control_expose_headers], "X-Cache, X-Request-Id, Age, ETag");
    EXPECT_EQ(res.count(http::field::vary), 0u);
    EXPECT_EQ(res.count(http::field::access_control_allow_credentials), 0u);
}

TEST(cors_policy, allowlist_echoes_the_origin_and_varies) {
    const cors_policy policy({"https://a.example", "http://127.0.0.1:3000"});
    auto res = empty_response();
    policy.decorate(res, "http://127.0.0.1:3000");
    EXPECT_EQ(res[http::field::access_control_allow_origin], "http://127.0.0.1:3000");
    EXPECT_EQ(res[http::field::vary], "Origin");
    EXPECT_EQ(res.count(http::field::access_control_allow_credentials), 0u);
}

TEST(cors_policy, disallowed_origin_gets_no_allow_headers) {
    const cors_policy policy({"https://a.example"});
    EXPECT_EQ(policy.check("https://evil.example"), cors_policy::verdict::denied);
    EXPECT_EQ(policy.check("https://a.example.evil"), cors_policy::verdict::denied);
    EXPECT_EQ(policy.check("HTTPS://A.EXAMPLE"), cors_policy::verdict::denied);
    auto res = empty_response();
    policy.decorate(res, "https://evil.example");
    EXPECT_EQ(res.count(http::field::access_control_allow_origin), 0u);
    EXPECT_EQ(res.count(http::field::access_control_expose_headers), 0u);
    EXPECT_EQ(res[http::field::vary], "Origin");
}

TEST(cors_policy, no_origin_gets_no_allow_origin) {
    const cors_policy policy({"*"});
    auto res = empty_response();
    policy.decorate(res, "");
    EXPECT_EQ(res.count(http::field::access_control_allow_origin), 0u);
}

TEST(cors_policy, preflight_answer_lists_methods_headers_and_max_age) {
    const cors_policy policy({"*"});
    auto res = empty_response();
    policy.answer_preflight(res, "https://a.example", "POST");
    EXPECT_EQ(res[http::field::access_control_allow_origin], "*");
    EXPECT_EQ(res[http::field::access_control_allow_methods], "POST");
    const auto allowed = std::string(res[http::field::access_control_allow_headers]);
    EXPECT_NE(allowed.find("Content-Type"), std::string::npos);
    EXPECT_NE(allowed.find("X-Request-Id"), std::string::npos);
    EXPECT_FALSE(res[http::field::access_control_max_age].empty());
    EXPECT_EQ(res.count(http::field::access_control_allow_credentials), 0u);
}

TEST(cors_policy, preflight_allows_trace_context_and_never_authorization_without_client_auth) {
    const cors_policy policy({"*"});
    auto res = empty_response();
    policy.answer_preflight(res, "https://a.example", "GET");
    const auto allowed = std::string(res[http::field::access_control_allow_headers]);
    EXPECT_NE(allowed.find("traceparent"), std::string::npos);
    EXPECT_NE(allowed.find("tracestate"), std::string::npos);
    EXPECT_EQ(allowed.find("Authorization"), std::string::npos);
    EXPECT_EQ(std::string(res[http::field::access_control_expose_headers]).find("WWW-Authenticate"),
              std::string::npos);
}

TEST(cors_policy, with_client_auth_pages_may_send_authorization_and_read_the_challenge) {
    const cors_policy policy({"https://a.example"}, true);
    auto res = empty_response();
    policy.answer_preflight(res, "https://a.example", "GET");
    EXPECT_NE(std::string(res[http::field::access_control_allow_headers]).find("Authorization"),
              std::string::npos);
    auto answer = empty_response();
    policy.decorate(answer, "https://a.example");
    EXPECT_NE(
        std::string(answer[http::field::access_control_expose_headers]).find("WWW-Authenticate"),
        std::string::npos);
}

TEST(cors_policy, preflight_detection) {
    request req{http::verb::options, "/catalog/products", 11};
    EXPECT_FALSE(is_preflight(req));
    req.set(http::field::origin, "https://a.example");
    EXPECT_FALSE(is_preflight(req));
    req.set(http::field::access_control_request_method, "GET");
    EXPECT_TRUE(is_preflight(req));
    req.method(http::verb::get);
    EXPECT_FALSE(is_preflight(req));
}

} // namespace
} // namespace kore_gateway
