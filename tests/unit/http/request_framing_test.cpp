#include "kore_gateway/http/request_framing.hpp"

#include <gtest/gtest.h>

namespace kore_gateway {
namespace {

// A header as the parser would hand it over: fields in order, repeated names kept.
http::request_header<> header_with(std::vector<std::pair<std::string, std::string>> fields,
                                   unsigned version = 11) {
    http::request_header<> header;
    header.method(http::verb::post);
    header.target("/catalog/products/p/offers/o/price");
    header.version(version);
    for (const auto& [name, value] : fields) {
        header.insert(name, value);
    }
    return header;
}

struct framing_case {
    const char* name;
    std::vector<std::pair<std::string, std::string>> fields;
    unsigned expected_status; // 0: acceptable
};

void PrintTo(const framing_case& c, std::ostream* os) {
    *os << c.name;
}

class request_framing : public ::testing::TestWithParam<framing_case> {};

TEST_P(request_framing, judges_transfer_encoding_content_length_and_host) {
    const auto& c = GetParam();
    const auto fault = check_request_header(header_with(c.fields));
    if (c.expected_status == 0) {
        EXPECT_FALSE(fault) << fault->message;
    } else {
        ASSERT_TRUE(fault);
        EXPECT_EQ(static_cast<unsigned>(fault->status), c.expected_status);
        EXPECT_FALSE(fault->message.empty());
    }
}

INSTANTIATE_TEST_SUITE_P(
    cases, request_framing,
    ::testing::Values(
        framing_case{"no_body_headers", {{"Host", "x"}}, 0},
        framing_case{"content_length", {{"Host", "x"}, {"Content-Length", "5"}}, 0},
        framing_case{"chunked", {{"Host", "x"}, {"Transfer-Encoding", "chunked"}}, 0},
        framing_case{"chunked_any_case", {{"Host", "x"}, {"Transfer-Encoding", "ChUnKeD"}}, 0},
        framing_case{"identity", {{"Host", "x"}, {"Transfer-Encoding", "identity"}}, 400},
        framing_case{"xchunked", {{"Host", "x"}, {"Transfer-Encoding", "xchunked"}}, 400},
        framing_case{
            "chunked_identity", {{"Host", "x"}, {"Transfer-Encoding", "chunked, identity"}}, 400},
        framing_case{
            "chunked_chunked", {{"Host", "x"}, {"Transfer-Encoding", "chunked, chunked"}}, 400},
        framing_case{
            "chunked_on_two_lines",
            {{"Host", "x"}, {"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}},
            400},
        framing_case{
            "identity_then_chunked_line",
            {{"Host", "x"}, {"Transfer-Encoding", "identity"}, {"Transfer-Encoding", "chunked"}},
            501},
        framing_case{"gzip_chunked", {{"Host", "x"}, {"Transfer-Encoding", "gzip, chunked"}}, 501},
        framing_case{"gzip_alone", {{"Host", "x"}, {"Transfer-Encoding", "gzip"}}, 400},
        framing_case{"empty_coding", {{"Host", "x"}, {"Transfer-Encoding", ""}}, 400},
        framing_case{"empty_list_element", {{"Host", "x"}, {"Transfer-Encoding", ", chunked"}}, 0},
        framing_case{"not_a_token", {{"Host", "x"}, {"Transfer-Encoding", "chun\"ked"}}, 400},
        framing_case{"chunked_with_content_length",
                     {{"Host", "x"}, {"Transfer-Encoding", "chunked"}, {"Content-Length", "3"}},
                     400},
        framing_case{"content_lengths_disagree",
                     {{"Host", "x"}, {"Content-Length", "3"}, {"Content-Length", "4"}},
                     400},
        framing_case{"content_lengths_agree",
                     {{"Host", "x"}, {"Content-Length", "3"}, {"Content-Length", "3"}},
                     0},
        framing_case{"no_host", {{"Content-Length", "3"}}, 400},
        framing_case{"two_hosts", {{"Host", "a"}, {"Host", "b"}}, 400}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(request_framing_http_1_0, needs_no_host_and_refuses_any_transfer_encoding) {
    EXPECT_FALSE(check_request_header(header_with({}, 10)));
    const auto fault = check_request_header(header_with({{"Transfer-Encoding", "chunked"}}, 10));
    ASSERT_TRUE(fault);
    EXPECT_EQ(fault->status, http::status::bad_request);
}

TEST(origin_form, turns_an_absolute_target_into_its_path_and_query) {
    EXPECT_EQ(origin_form("http://example.test/catalog/products"), "/catalog/products");
    EXPECT_EQ(origin_form("https://example.test:8443/deals/a?x=1"), "/deals/a?x=1");
    EXPECT_EQ(origin_form("http://example.test"), "/");
    EXPECT_EQ(origin_form("http://example.test?q=1"), "/?q=1");
    // A view into a longer buffer (the request line) ends where its size says.
    const std::string request_line = "http://example.test/p?q=1 HTTP/1.1";
    EXPECT_EQ(origin_form(std::string_view(request_line).substr(0, 25)), "/p?q=1");
}

TEST(origin_form, leaves_origin_form_and_other_targets_alone) {
    EXPECT_FALSE(origin_form("/catalog/products"));
    EXPECT_FALSE(origin_form("/deals/http://x"));
    EXPECT_FALSE(origin_form("*"));
    EXPECT_FALSE(origin_form(""));
    EXPECT_FALSE(origin_form("not a uri"));
}

TEST(origin_in_raw_header, finds_the_origin_line_of_an_unparsed_header_and_nothing_else) {
    EXPECT_EQ(origin_in_raw_header("GET / HTTP/1.1\r\nHost: g\r\nOrigin:  https://a.example \r\n"
                                   "X-Pad: aaaa"),
              "https://a.example")
        << "a header cut short by the size limit";
    EXPECT_EQ(origin_in_raw_header("POST / HTTP/1.1\r\norigin: https://b.example\r\n\r\n"),
              "https://b.example");
    EXPECT_EQ(origin_in_raw_header("GET / HTTP/1.1\nOrigin: https://c.example\n\n"),
              "https://c.example")
        << "bare LF line ends";
    EXPECT_EQ(origin_in_raw_header("GET / HTTP/1.1\r\nHost: g\r\n\r\nOrigin: https://body\r\n"), "")
        << "an Origin line in the body was taken";
    EXPECT_EQ(origin_in_raw_header("GET / HTTP/1.1\r\nOrigin: https://a\r\nOrigin: https://b\r\n"),
              "")
        << "one of two Origin lines was taken";
    EXPECT_EQ(origin_in_raw_header("GET / HTTP/1.1\r\nX-Origin: https://x\r\n"), "");
    EXPECT_EQ(origin_in_raw_header(""), "");
}

TEST(expects_continue, is_true_only_for_100_continue_in_http_1_1) {
    EXPECT_TRUE(expects_continue(header_with({{"Expect", "100-continue"}})));
    EXPECT_TRUE(expects_continue(header_with({{"Expect", "100-Continue"}})));
    EXPECT_FALSE(expects_continue(header_with({})));
    EXPECT_FALSE(expects_continue(header_with({{"Expect", "something-else"}})));
    EXPECT_FALSE(expects_continue(header_with({{"Expect", "100-continue"}}, 10)));
}

} // namespace
} // namespace kore_gateway
