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

} // namespace
} // namespace kore_gateway
