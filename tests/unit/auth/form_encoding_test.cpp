#include "kore_gateway/auth/form_encoding.hpp"

#include <gtest/gtest.h>

namespace kore_gateway {
namespace {

TEST(percent_encode, keeps_unreserved_and_encodes_everything_else) {
    const struct {
        std::string_view in;
        std::string_view out;
    } cases[] = {
        {"", ""},
        {"AZaz09-._~", "AZaz09-._~"},
        {"a b", "a%20b"},
        {"a+b", "a%2Bb"},
        {"a&b=c", "a%26b%3Dc"},
        {"100%", "100%25"},
        {"x/y", "x%2Fy"},
        {"?#[]@!$'()*,;:", "%3F%23%5B%5D%40%21%24%27%28%29%2A%2C%3B%3A"},
        {"\"<>\\^`{|}", "%22%3C%3E%5C%5E%60%7B%7C%7D"},
        {"caf\xC3\xA9", "caf%C3%A9"},
        {"\xE2\x82\xAC", "%E2%82%AC"},
        {std::string_view("\0\x7F\xFF", 3), "%00%7F%FF"},
        {"\n\t", "%0A%09"},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(percent_encode(c.in), c.out) << c.in;
    }
}

TEST(form_urlencode, encodes_as_percent_encode_but_a_space_becomes_plus) {
    const struct {
        std::string_view in;
        std::string_view out;
    } cases[] = {
        {"", ""},
        {"AZaz09-._~", "AZaz09-._~"},
        {"a b", "a+b"},
        {"a+b", "a%2Bb"},
        {"a:b", "a%3Ab"},
        {"100%", "100%25"},
        // RFC 6749 appendix B's own example.
        {" %&+\xC2\xA3\xE2\x82\xAC", "+%25%26%2B%C2%A3%E2%82%AC"},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(form_urlencode(c.in), c.out) << c.in;
    }
}

TEST(make_token_request_body, encodes_every_value_in_contract_order) {
    client_credentials credentials;
    credentials.client_id = "my client&id";
    credentials.client_secret = "s3cr+t/=%";
    credentials.scope = "pss-api extra";
    EXPECT_EQ(make_token_request_body(credentials),
              "grant_type=client_credentials&scope=pss-api%20extra&client_id=my%20client%26id"
              "&client_secret=s3cr%2Bt%2F%3D%25");
}

TEST(make_token_request_body, leaves_out_an_empty_scope) {
    client_credentials credentials;
    credentials.client_id = "id";
    credentials.client_secret = "secret";
    EXPECT_EQ(make_token_request_body(credentials),
              "grant_type=client_credentials&client_id=id&client_secret=secret");
}

TEST(make_token_request_body, sends_audience_and_resource_after_the_scope_when_set) {
    client_credentials credentials;
    credentials.client_id = "id";
    credentials.client_secret = "secret";
    credentials.audience = "https://api.example.test/";
    credentials.resource = "urn:billing api";
    EXPECT_EQ(make_token_request_body(credentials),
              "grant_type=client_credentials&audience=https%3A%2F%2Fapi.example.test%2F"
              "&resource=urn%3Abilling%20api&client_id=id&client_secret=secret");
    credentials.scope = "read";
    credentials.resource.clear();
    EXPECT_EQ(make_token_request_body(credentials),
              "grant_type=client_credentials&scope=read&audience=https%3A%2F%2Fapi.example.test%2F"
              "&client_id=id&client_secret=secret");
}

TEST(make_token_request_body, leaves_the_credentials_to_the_header_with_basic) {
    client_credentials credentials;
    credentials.client_id = "id";
    credentials.client_secret = "secret";
    credentials.scope = "read";
    credentials.client_auth = client_auth_method::basic;
    EXPECT_EQ(make_token_request_body(credentials), "grant_type=client_credentials&scope=read");
}

TEST(basic_authorization, form_urlencodes_id_and_secret_before_base64) {
    client_credentials credentials;
    credentials.client_id = "id";
    credentials.client_secret = "secret";
    // base64("id:secret"): "id:" = 69 64 3A -> aWQ6, "sec" -> c2Vj, "ret" -> cmV0.
    EXPECT_EQ(basic_authorization(credentials), "Basic aWQ6c2VjcmV0");

    credentials.client_id = "a b";
    credentials.client_secret = "c";
    // The space is encoded first, to '+': base64("a+b:c"), where "a+b" = 61 2B 62 -> YSti and
    // ":c" = 3A 63 -> OmM with one '=' of padding.
    EXPECT_EQ(basic_authorization(credentials), "Basic YStiOmM=");
}

} // namespace
} // namespace kore_gateway
