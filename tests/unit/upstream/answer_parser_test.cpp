#include "kore_gateway/upstream/answer_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "../../fuzz/fuzz_input.hpp"

namespace kore_gateway {
namespace {

struct parsed {
    error_code ec;
    bool done = false;
    bool keep_alive = false;
    upstream_response res;
};

// Feeds bytes to a fresh parser, step bytes at a time (0: all at once), as a socket would (the
// fuzz targets' helper).
template <class Parser>
parsed feed(std::string_view bytes, std::size_t step = 0, std::size_t limit = 1 << 20,
            bool head = false) {
    Parser parser;
    parser.header_limit(static_cast<std::uint32_t>(limit));
    parser.body_limit(limit);
    parser.skip(head);
    parsed out;
    out.ec = fuzz::feed(parser, bytes, step);
    out.done = parser.is_done();
    if (out.done) {
        out.keep_alive = parser.keep_alive();
        out.res = parser.release();
    }
    return out;
}

constexpr std::string_view typical = "HTTP/1.1 200 OK\r\n"
                                     "Server: nginx\r\n"
                                     "Date: Sun, 22 Nov 2026 19:00:00 GMT\r\n"
                                     "Content-Type: application/json\r\n"
                                     "Content-Length: 11\r\n"
                                     "Connection: keep-alive\r\n"
                                     "Cache-Control: max-age=60\r\n"
                                     "ETag: \"abc\"\r\n"
                                     "X-Upstream-Secret: not for the client\r\n"
                                     "cache-control: public\r\n"
                                     "\r\n"
                                     "{\"a\":[1,2]}";

TEST(answer_parser, keeps_status_body_and_the_fields_the_gateway_reads) {
    const auto r = feed<answer_parser>(typical);
    ASSERT_FALSE(r.ec) << r.ec.message();
    ASSERT_TRUE(r.done);
    EXPECT_TRUE(r.keep_alive);
    EXPECT_EQ(r.res.result_int(), 200u);
    EXPECT_EQ(r.res.version(), 11u);
    EXPECT_EQ(r.res.body(), "{\"a\":[1,2]}");
    EXPECT_EQ(r.res[http::field::content_type], "application/json");
    EXPECT_EQ(r.res[http::field::content_length], "11");
    // Both Cache-Control lines, in order, as the forwarder joins them.
    std::string cache_control;
    for (auto [it, end] = r.res.equal_range(http::field::cache_control); it != end; ++it) {
        cache_control += std::string(it->value()) + ";";
    }
    EXPECT_EQ(cache_control, "max-age=60;public;");
}

TEST(answer_parser, drops_every_other_field_and_the_reason_phrase) {
    const auto r = feed<answer_parser>(typical);
    ASSERT_TRUE(r.done);
    std::size_t fields = 0;
    for (const auto& f : r.res) {
        EXPECT_TRUE(is_kept_answer_field(f.name())) << f.name_string();
        ++fields;
    }
    EXPECT_EQ(fields, 4u); // Content-Type, Content-Length, two Cache-Control
    EXPECT_EQ(r.res.count(http::field::server), 0u);
    EXPECT_EQ(r.res.count("X-Upstream-Secret"), 0u);
    EXPECT_EQ(r.res.reason(), "OK"); // Beast's standard phrase for the status, not stored bytes
}

TEST(answer_parser, agrees_with_beasts_parser_on_framing_keep_alive_and_errors) {
    const std::string cases[] = {
        std::string(typical),
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n "
        "world\r\n0\r\n\r\n",
        "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"until\":\"eof\"}",
        "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n",
        "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n",
        "HTTP/1.1 500 Whatever Reason\r\nContent-Length: 2\r\n\r\n{}",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab",                       // cut short
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",    // conflicting
        "HTTP/1.1 2000 OK\r\n\r\n",                                             // bad status
        "HTTP/1.1 200 OK\r\nBad Header\r\n\r\n",                                // bad field
        "HTTP/1.1 200 OK\r\nContent-Length: 64\r\n\r\n" + std::string(64, 'x'), // over the limit
    };
    for (const auto& bytes : cases) {
        for (const std::size_t step : {0u, 1u, 7u}) {
            const auto ours = feed<answer_parser>(bytes, step, 48);
            const auto beasts = feed<http::response_parser<http::string_body>>(bytes, step, 48);
            SCOPED_TRACE(bytes + " step " + std::to_string(step));
            EXPECT_EQ(ours.ec, beasts.ec);
            EXPECT_EQ(ours.done, beasts.done);
            EXPECT_EQ(ours.keep_alive, beasts.keep_alive);
            EXPECT_EQ(ours.res.result_int(), beasts.res.result_int());
            EXPECT_EQ(ours.res.body(), beasts.res.body());
            EXPECT_EQ(ours.res[http::field::content_type], beasts.res[http::field::content_type]);
        }
    }
}

TEST(answer_parser, a_head_answer_has_no_body_but_its_content_length) {
    const auto r =
        feed<answer_parser>("HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n", 0, 1 << 20, true);
    ASSERT_FALSE(r.ec) << r.ec.message();
    ASSERT_TRUE(r.done);
    EXPECT_TRUE(r.keep_alive);
    EXPECT_EQ(r.res.body(), "");
    EXPECT_EQ(r.res[http::field::content_length], "42");
}

TEST(answer_parser, a_body_over_the_limit_is_an_error) {
    const auto r =
        feed<answer_parser>("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n" +
                                std::string(64, 'x') + "\r\n0\r\n\r\n",
                            0, 48);
    EXPECT_EQ(r.ec, http::error::body_limit);
    EXPECT_FALSE(r.done);
}

} // namespace
} // namespace kore_gateway
