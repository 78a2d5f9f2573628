#include "kore_gateway/mock/fake_auth.hpp"

#include <chrono>
#include <limits>
#include <utility>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "unit/mock/fake_test_support.hpp"

namespace kore_gateway {
namespace {

using namespace kore_gateway::testing;
using namespace std::chrono_literals;
using json = nlohmann::json;

class fake_auth_test : public ::testing::Test {
protected:
    std::string token_request(std::string_view secret = "secret-1") {
        return "grant_type=client_credentials&scope=pss-api&client_id=client-1&client_secret=" +
               std::string(secret);
    }

    fake_auth auth_{"client-1", "secret-1", "pss-api"};
};

TEST_F(fake_auth_test, issues_tokens_for_the_right_credentials) {
    EXPECT_EQ(auth_.token_url(), auth_.base_url() + "/connect/token");
    auto res = post_form(auth_.base_url(), token_request());
    ASSERT_EQ(res.result_int(), 200u);
    EXPECT_EQ(res[http::field::content_type], "application/json");
    auto body = body_json(res);
    expect_fields(body, {"access_token", "expires_in", "token_type", "scope"});
    EXPECT_EQ(body["expires_in"], 3600);
    EXPECT_EQ(body["token_type"], "Bearer");
    EXPECT_EQ(body["scope"], "pss-api");
    const auto token = body["access_token"].get<std::string>();
    EXPECT_FALSE(token.empty());
    EXPECT_TRUE(auth_.is_valid(token));
    EXPECT_FALSE(auth_.is_valid("made-up"));

    auto second = body_json(post_form(auth_.base_url(), token_request()));
    EXPECT_NE(second["access_token"], token);
    EXPECT_TRUE(auth_.is_valid(token));
    EXPECT_EQ(auth_.token_requests(), 2u);
    auto form = auth_.last_form();
    EXPECT_EQ(form["grant_type"], "client_credentials");
    EXPECT_EQ(form["scope"], "pss-api");
    EXPECT_EQ(form["client_id"], "client-1");
    EXPECT_EQ(form["client_secret"], "secret-1");
}

TEST_F(fake_auth_test, rejects_wrong_credentials) {
    for (auto body : {token_request("wrong"),
                      std::string("grant_type=client_credentials&scope=pss-api&client_id=other&"
                                  "client_secret=secret-1"),
                      std::string("grant_type=client_credentials&scope=pss-api")}) {
        auto res = post_form(auth_.base_url(), body);
        EXPECT_EQ(res.result_int(), 400u) << body;
        EXPECT_EQ(body_json(res), json({{"error", "invalid_client"}})) << body;
    }
}

TEST_F(fake_auth_test, rejects_malformed_token_requests) {
    auto error_of = [this](std::string body, std::string type = form_type) {
        auto res = post_form(auth_.base_url(), std::move(body), std::move(type));
        EXPECT_EQ(res.result_int(), 400u);
        return body_json(res).value("error", "");
    };
    EXPECT_EQ(error_of("grant_type=password&scope=pss-api&client_id=client-1&client_secret=s"),
              "unsupported_grant_type");
    EXPECT_EQ(error_of(token_request() + "&scope=other"), "invalid_scope");
    EXPECT_EQ(error_of(token_request(), "application/json"), "invalid_request");
    EXPECT_EQ(error_of(token_request("%zz")), "invalid_request");
    EXPECT_EQ(error_of(token_request("%4")), "invalid_request");
}

TEST_F(fake_auth_test, a_request_without_scope_gets_the_configured_scope) {
    auto res = post_form(auth_.base_url(),
                         "grant_type=client_credentials&client_id=client-1&client_secret=secret-1");
    ASSERT_EQ(res.result_int(), 200u);
    EXPECT_EQ(body_json(res)["scope"], "pss-api");
}

TEST(fake_auth, percent_decodes_the_form) {
    fake_auth auth("id with space", "a&b=c+d%e/f g", "pss-api");
    auto res =
        post_form(auth.base_url(), "grant_type=client_credentials&scope=pss-api&client_id="
                                   "id+with%20space&client_secret=a%26b%3Dc%2Bd%25e%2Ff%20g");
    EXPECT_EQ(res.result_int(), 200u) << res.body();
    EXPECT_EQ(auth.last_form()["client_secret"], "a&b=c+d%e/f g");
    EXPECT_EQ(auth.last_form()["client_id"], "id with space");

    // Sent unencoded, the secret's '&' and '+' change its meaning and the request fails.
    res = post_form(auth.base_url(), "grant_type=client_credentials&scope=pss-api&client_id="
                                     "id+with+space&client_secret=a&b=c+d%25e/f g");
    EXPECT_EQ(res.result_int(), 400u);
}

// RFC 6749 section 2.3.1 client authentication, checked when the fake is told to.
class fake_auth_basic_test : public ::testing::Test {
protected:
    void SetUp() override { auth_.set_client_auth(client_auth_method::basic); }

    test_response post_token(std::string body, std::string authorization) {
        test_headers headers{{"Content-Type", form_type}};
        if (!authorization.empty()) {
            headers.emplace("Authorization", std::move(authorization));
        }
        return fetch(auth_.base_url(), http::verb::post, "/connect/token", std::move(headers),
                     std::move(body));
    }

    static constexpr const char* form = "grant_type=client_credentials&scope=pss-api";
    // base64("app%3A1+%2B%25%C3%A9:s3%3Acr+t"): the id and secret below, form-urlencoded.
    static constexpr const char* right = "Basic YXBwJTNBMSslMkIlMjUlQzMlQTk6czMlM0Fjcit0";

    fake_auth auth_{"app:1 +%\xC3\xA9", "s3:cr t", "pss-api"};
};

TEST_F(fake_auth_basic_test, issues_a_token_for_the_encoded_pair_and_records_the_header) {
    auto res = post_token(form, right);
    ASSERT_EQ(res.result_int(), 200u) << res.body();
    EXPECT_TRUE(auth_.is_valid(body_json(res)["access_token"].get<std::string>()));
    EXPECT_EQ(auth_.last_authorization(), right);
    EXPECT_EQ(auth_.last_form(), (std::map<std::string, std::string>{
                                     {"grant_type", "client_credentials"}, {"scope", "pss-api"}}));
    // The scheme is case-insensitive (RFC 9110 section 11.1).
    EXPECT_EQ(post_token(form, "bASIC YXBwJTNBMSslMkIlMjUlQzMlQTk6czMlM0Fjcit0").result_int(),
              200u);
}

TEST_F(fake_auth_basic_test, refuses_what_is_not_the_right_basic_pair) {
    const struct {
        const char* name;
        std::string body;
        std::string authorization;
        unsigned status;
        const char* error;
    } cases[] = {
        {"no header, credentials in the form",
         std::string(form) + "&client_id=app%3A1%20%2B%25%C3%A9&client_secret=s3%3Acr%20t", "", 401,
         "invalid_client"},
        // base64("app%3A1+%2B%25%C3%A9:wrong")
        {"wrong secret", form, "Basic YXBwJTNBMSslMkIlMjUlQzMlQTk6d3Jvbmc=", 401, "invalid_client"},
        // base64("app:1 +%\xC3\xA9:s3:cr t"), not form-encoded first: the id ends at its own ':',
        // and the bare '%' that follows is a broken escape.
        {"id and secret not form-encoded", form, "Basic YXBwOjEgKyXDqTpzMzpjciB0", 400,
         "invalid_request"},
        {"not base64", form, "Basic !!!!", 400, "invalid_request"},
        {"no colon", form, "Basic bm9jb2xvbg==", 400, "invalid_request"},  // "nocolon"
        {"broken escape", form, "Basic YSV6ejpi", 400, "invalid_request"}, // "a%zz:b"
        {"another scheme", form, "Bearer abc", 400, "invalid_request"},
        {"secret in the form as well", std::string(form) + "&client_secret=s3%3Acr%20t", right, 400,
         "invalid_request"},
    };
    for (const auto& c : cases) {
        const auto res = post_token(c.body, c.authorization);
        EXPECT_EQ(res.result_int(), c.status) << c.name;
        EXPECT_EQ(body_json(res), json({{"error", c.error}})) << c.name;
        EXPECT_EQ(res.count(http::field::www_authenticate), c.status == 401 ? 1u : 0u) << c.name;
        EXPECT_EQ(auth_.last_authorization(), c.authorization) << c.name;
    }
}

TEST(fake_auth, checks_the_audience_when_told_to) {
    fake_auth auth("id", "secret", "pss-api");
    const std::string request = "grant_type=client_credentials&client_id=id&client_secret=secret";
    EXPECT_EQ(post_form(auth.base_url(), request).result_int(), 200u); // not checked by default
    auth.set_expected_audience("https://billing.test/");
    for (const std::string wrong : {"", "&audience=https%3A%2F%2Fother.test%2F"}) {
        const auto res = post_form(auth.base_url(), request + wrong);
        EXPECT_EQ(res.result_int(), 400u) << wrong;
        EXPECT_EQ(body_json(res), json({{"error", "invalid_request"}})) << wrong;
    }
    const auto res =
        post_form(auth.base_url(), request + "&audience=https%3A%2F%2Fbilling.test%2F");
    EXPECT_EQ(res.result_int(), 200u) << res.body();
    EXPECT_EQ(auth.last_form()["audience"], "https://billing.test/");
}

TEST_F(fake_auth_test, answers_only_post_on_the_token_path) {
    auto get = fetch(auth_.base_url(), http::verb::get, "/connect/token");
    EXPECT_EQ(get.result_int(), 405u);
    EXPECT_EQ(get[http::field::allow], "POST");
    auto elsewhere = fetch(auth_.base_url(), http::verb::post, "/token");
    EXPECT_EQ(elsewhere.result_int(), 404u);
    EXPECT_EQ(auth_.token_requests(), 0u);
}

TEST_F(fake_auth_test, sends_expires_in_as_set) {
    for (std::int64_t seconds :
         {std::int64_t{60}, std::int64_t{-5}, std::numeric_limits<std::int64_t>::max()}) {
        auth_.set_expires_in(seconds);
        auto body = body_json(post_form(auth_.base_url(), token_request()));
        EXPECT_EQ(body["expires_in"].get<std::int64_t>(), seconds);
    }
}

TEST_F(fake_auth_test, failure_modes) {
    auth_.set_failure(fake_auth::failure::server_error);
    auto res = post_form(auth_.base_url(), token_request());
    EXPECT_EQ(res.result_int(), 500u);
    EXPECT_EQ(body_json(res), json({{"error", "server_error"}}));

    auth_.set_failure(fake_auth::failure::malformed_json);
    res = post_form(auth_.base_url(), token_request());
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_TRUE(body_json(res).is_discarded());

    auth_.set_failure(fake_auth::failure::missing_access_token);
    res = post_form(auth_.base_url(), token_request());
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_FALSE(body_json(res).contains("access_token"));
    EXPECT_EQ(body_json(res)["expires_in"], 3600);

    auth_.set_failure(fake_auth::failure::html_error_page);
    res = post_form(auth_.base_url(), token_request());
    EXPECT_EQ(res.result_int(), 502u);
    EXPECT_EQ(res[http::field::content_type], "text/html");
    EXPECT_NE(res.body().find("<html>"), std::string::npos);

    auth_.set_failure(fake_auth::failure::none);
    EXPECT_EQ(post_form(auth_.base_url(), token_request()).result_int(), 200u);
    EXPECT_EQ(auth_.token_requests(), 5u);
}

TEST_F(fake_auth_test, delays_its_answers_as_set) {
    auth_.set_delay(300ms);
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(post_form(auth_.base_url(), token_request()).result_int(), 200u);
    EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
}

TEST_F(fake_auth_test, revoke_all_invalidates_every_token) {
    auto token = body_json(post_form(auth_.base_url(), token_request()))["access_token"];
    ASSERT_TRUE(token.is_string());
    ASSERT_TRUE(auth_.is_valid(token.get<std::string>()));
    auth_.revoke_all();
    EXPECT_FALSE(auth_.is_valid(token.get<std::string>()));
    auto fresh = body_json(post_form(auth_.base_url(), token_request()))["access_token"];
    EXPECT_TRUE(auth_.is_valid(fresh.get<std::string>()));
}

TEST_F(fake_auth_test, handle_serves_a_test_handler_that_overrides_some_requests) {
    auth_.server().set_handler([this, first = true](const recorded_request& req) mutable {
        if (std::exchange(first, false)) {
            mock_reply reply;
            reply.what = fault::close_before_answer;
            return reply;
        }
        return auth_.handle(req);
    });
    test_client client(auth_.server().port());
    client.send(http::verb::post, "/connect/token", {{"Content-Type", form_type}}, token_request());
    test_response res;
    EXPECT_EQ(client.read(res), http::error::end_of_stream);
    EXPECT_EQ(post_form(auth_.base_url(), token_request()).result_int(), 200u);
    EXPECT_EQ(auth_.server().request_count(), 2u);
}

} // namespace
} // namespace kore_gateway
