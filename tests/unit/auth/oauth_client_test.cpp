#include "kore_gateway/auth/oauth_client.hpp"

#include <optional>

#include <gtest/gtest.h>

#include "unit/auth/fake_auth_server.hpp"

namespace kore_gateway {
namespace {

using namespace std::chrono_literals;
using testing::fake_auth_server;
using testing::http_answer;
using testing::transport_failure;

client_credentials credentials_for(std::string_view token_url) {
    client_credentials c;
    c.token_url = *parse_url(token_url);
    c.client_id = "client id";
    c.client_secret = "top+secret";
    c.scope = "pss-api";
    return c;
}

TEST(oauth_client, posts_the_form_to_the_token_path_and_parses_the_answer) {
    auto server = std::make_shared<fake_auth_server>();
    const oauth_client client(server, credentials_for("https://auth.example.test/connect/token"));
    std::optional<token_reply> reply;
    client.async_request_token([&](token_reply r) { reply = std::move(r); });

    ASSERT_EQ(server->request_count(), 1u);
    const auto req = server->request(0);
    EXPECT_EQ(req.method(), http::verb::post);
    EXPECT_EQ(req.target(), "/connect/token");
    EXPECT_EQ(req[http::field::content_type], "application/x-www-form-urlencoded");
    EXPECT_EQ(req[http::field::accept], "application/json");
    EXPECT_EQ(req.body(), "grant_type=client_credentials&scope=pss-api&client_id=client%20id"
                          "&client_secret=top%2Bsecret");
    EXPECT_FALSE(reply);

    server->answer(http_answer(http::status::ok, R"({"access_token":"abc","expires_in":120})"));
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->error, token_errc::ok);
    EXPECT_EQ(reply->access_token, "abc");
    EXPECT_EQ(reply->lifetime, 120s);
}

TEST(oauth_client, sends_audience_and_resource_when_set) {
    auto server = std::make_shared<fake_auth_server>();
    auto c = credentials_for("https://auth.example.test/oauth/token");
    c.audience = "https://billing.example.test/api";
    c.resource = "urn:example:billing";
    const oauth_client client(server, c);
    client.async_request_token([](token_reply) {});

    ASSERT_EQ(server->request_count(), 1u);
    const auto req = server->request(0);
    EXPECT_EQ(req.body(), "grant_type=client_credentials&scope=pss-api"
                          "&audience=https%3A%2F%2Fbilling.example.test%2Fapi"
                          "&resource=urn%3Aexample%3Abilling"
                          "&client_id=client%20id&client_secret=top%2Bsecret");
    EXPECT_EQ(req[http::field::authorization], ""); // body client authentication
}

TEST(oauth_client, basic_client_auth_puts_the_encoded_pair_in_the_header_and_not_the_body) {
    auto server = std::make_shared<fake_auth_server>();
    auto c = credentials_for("https://auth.example.test/oauth/token");
    c.client_auth = client_auth_method::basic;
    c.client_id = "app:1 +%\xC3\xA9"; // ':', space, '+', '%' and U+00E9 (UTF-8 C3 A9)
    c.client_secret = "s3:cr t";
    c.audience = "billing";
    const oauth_client client(server, c);
    client.async_request_token([](token_reply) {});

    ASSERT_EQ(server->request_count(), 1u);
    const auto req = server->request(0);
    // RFC 6749 section 2.3.1, by hand: form-urlencoded, the id is app%3A1+%2B%25%C3%A9 and the
    // secret s3%3Acr+t; "app%3A1+%2B%25%C3%A9:s3%3Acr+t" is 30 bytes, so ten base64 groups
    // without padding: app->YXBw %3A->JTNB 1+%->MSsl 2B%->MkIl 25%->MjUl C3%->QzMl A9:->QTk6
    // s3%->czMl 3Ac->M0Fj r+t->cit0.
    EXPECT_EQ(req[http::field::authorization], "Basic YXBwJTNBMSslMkIlMjUlQzMlQTk6czMlM0Fjcit0");
    EXPECT_EQ(req.body(), "grant_type=client_credentials&scope=pss-api&audience=billing");
    EXPECT_EQ(req[http::field::content_type], "application/x-www-form-urlencoded");
}

TEST(oauth_client, posts_to_the_root_when_the_token_url_has_no_path) {
    auto server = std::make_shared<fake_auth_server>();
    const oauth_client client(server, credentials_for("https://auth.example.test:8443"));
    client.async_request_token([](token_reply) {});
    ASSERT_EQ(server->request_count(), 1u);
    EXPECT_EQ(server->request(0).target(), "/");
}

TEST(oauth_client, names_a_transport_failure) {
    auto server = std::make_shared<fake_auth_server>();
    const oauth_client client(server, credentials_for("https://auth.example.test/token"));
    std::optional<token_reply> reply;
    client.async_request_token([&](token_reply r) { reply = std::move(r); });
    server->answer(transport_failure(upstream_errc::tls_failed));
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->error, token_errc::unavailable);
    EXPECT_NE(reply->description.find(to_string(upstream_errc::tls_failed)), std::string::npos);
}

struct parse_case {
    const char* name;
    upstream_result result;
    token_errc error;
    std::string access_token;
    std::chrono::seconds lifetime;
};

TEST(parse_token_reply, table) {
    const auto ok = http::status::ok;
    const parse_case cases[] = {
        {"ok", http_answer(ok, R"({"access_token":"t1","expires_in":1800,"token_type":"Bearer"})"),
         token_errc::ok, "t1", 1800s},
        {"missing expires_in", http_answer(ok, R"({"access_token":"t2"})"), token_errc::ok, "t2",
         3600s},
        {"numeric string", http_answer(ok, R"({"access_token":"t3","expires_in":"900"})"),
         token_errc::ok, "t3", 900s},
        {"fraction", http_answer(ok, R"({"access_token":"t4","expires_in":59.7})"), token_errc::ok,
         "t4", 59s},
        {"sub-second", http_answer(ok, R"({"access_token":"t5","expires_in":0.2})"), token_errc::ok,
         "t5", 1s},
        {"absurd", http_answer(ok, R"({"access_token":"t6","expires_in":1e12})"), token_errc::ok,
         "t6", 24h},
        {"absurd string", http_answer(ok, R"({"access_token":"t7","expires_in":"99999999999"})"),
         token_errc::ok, "t7", 24h},
        {"one year is kept", http_answer(ok, R"({"access_token":"t8","expires_in":31536000})"),
         token_errc::ok, "t8", 8760h},
        {"201 is fine", http_answer(http::status::created, R"({"access_token":"t9"})"),
         token_errc::ok, "t9", 3600s},
        {"negative", http_answer(ok, R"({"access_token":"x","expires_in":-5})"),
         token_errc::invalid_response, "", 0s},
        {"zero", http_answer(ok, R"({"access_token":"x","expires_in":0})"),
         token_errc::invalid_response, "", 0s},
        {"non-numeric string", http_answer(ok, R"({"access_token":"x","expires_in":"soon"})"),
         token_errc::invalid_response, "", 0s},
        {"string with junk", http_answer(ok, R"({"access_token":"x","expires_in":"60s"})"),
         token_errc::invalid_response, "", 0s},
        {"null expires_in", http_answer(ok, R"({"access_token":"x","expires_in":null})"),
         token_errc::invalid_response, "", 0s},
        {"no access_token", http_answer(ok, R"({"token_type":"Bearer","expires_in":60})"),
         token_errc::invalid_response, "", 0s},
        {"empty access_token", http_answer(ok, R"({"access_token":""})"),
         token_errc::invalid_response, "", 0s},
        {"numeric access_token", http_answer(ok, R"({"access_token":42})"),
         token_errc::invalid_response, "", 0s},
        {"every b64token character", http_answer(ok, R"({"access_token":"AZaz09-._~+/=="})"),
         token_errc::ok, "AZaz09-._~+/==", 3600s},
        {"CR LF in the token", http_answer(ok, R"({"access_token":"t\r\nX-Api-Key: theirs"})"),
         token_errc::invalid_response, "", 0s},
        {"space in the token", http_answer(ok, R"({"access_token":"two words"})"),
         token_errc::invalid_response, "", 0s},
        {"only padding", http_answer(ok, R"({"access_token":"=="})"), token_errc::invalid_response,
         "", 0s},
        {"padding inside", http_answer(ok, R"({"access_token":"a=b"})"),
         token_errc::invalid_response, "", 0s},
        {"malformed JSON", http_answer(ok, R"({"access_token":"x",)"), token_errc::invalid_response,
         "", 0s},
        {"JSON array", http_answer(ok, R"(["access_token"])"), token_errc::invalid_response, "",
         0s},
        {"HTML page", http_answer(ok, "<html><body>Sign in</body></html>", "text/html"),
         token_errc::invalid_response, "", 0s},
        {"empty body", http_answer(http::status::no_content, ""), token_errc::invalid_response, "",
         0s},
        {"400", http_answer(http::status::bad_request, R"({"error":"invalid_client"})"),
         token_errc::rejected, "", 0s},
        {"401", http_answer(http::status::unauthorized, ""), token_errc::rejected, "", 0s},
        {"500 with a token",
         http_answer(http::status::internal_server_error, R"({"access_token":"x"})"),
         token_errc::rejected, "", 0s},
        {"302", http_answer(http::status::found, ""), token_errc::rejected, "", 0s},
        {"connect failed", transport_failure(upstream_errc::connect_failed),
         token_errc::unavailable, "", 0s},
        {"timeout", transport_failure(upstream_errc::timeout), token_errc::unavailable, "", 0s},
        {"reset", transport_failure(upstream_errc::connection_reset), token_errc::unavailable, "",
         0s},
        {"unparsable HTTP", transport_failure(upstream_errc::invalid_response),
         token_errc::invalid_response, "", 0s},
    };
    for (const auto& c : cases) {
        const auto reply = parse_token_reply(c.result);
        EXPECT_EQ(reply.error, c.error) << c.name;
        if (c.error == token_errc::ok) {
            EXPECT_EQ(reply.access_token, c.access_token) << c.name;
            EXPECT_EQ(reply.lifetime, c.lifetime) << c.name;
        } else {
            EXPECT_TRUE(reply.access_token.empty()) << c.name;
            EXPECT_FALSE(reply.description.empty()) << c.name;
        }
    }
}

TEST(parse_token_reply, describes_a_rejection_by_status_without_the_body) {
    const auto reply = parse_token_reply(http_answer(
        http::status::bad_request, R"({"error":"invalid_client","hint":"pw=hunter2"})"));
    EXPECT_EQ(reply.error, token_errc::rejected);
    EXPECT_NE(reply.description.find("400"), std::string::npos) << reply.description;
    EXPECT_EQ(reply.description.find("hunter2"), std::string::npos) << reply.description;
    EXPECT_EQ(reply.description.find("invalid_client"), std::string::npos) << reply.description;
}

TEST(parse_token_reply, never_describes_with_the_token) {
    const auto reply = parse_token_reply(
        http_answer(http::status::ok, R"({"access_token":"Zq9vX","expires_in":-1})"));
    EXPECT_EQ(reply.error, token_errc::invalid_response);
    EXPECT_EQ(reply.description.find("Zq9vX"), std::string::npos) << reply.description;
}

TEST(token_errc, has_names) {
    EXPECT_EQ(to_string(token_errc::ok), "ok");
    EXPECT_EQ(to_string(token_errc::unavailable), "unavailable");
    EXPECT_EQ(to_string(token_errc::rejected), "rejected");
    EXPECT_EQ(to_string(token_errc::invalid_response), "invalid_response");
}

} // namespace
} // namespace kore_gateway
