#include "kore_gateway/http/wire_header.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace kore_gateway {
namespace {

// What Beast's own serializer writes for the header.
std::string beast_wire(const http::response_header<>& header) {
    std::ostringstream out;
    out << header;
    return out.str();
}

std::string rendered(const http::response_header<>& header) {
    std::string out = "left over from the previous message";
    render_header(header, {}, out);
    return out;
}

TEST(wire_header, a_response_is_rendered_as_beast_writes_it) {
    http::response<http::string_body> res{http::status::ok, 11};
    res.set(http::field::content_type, "application/json");
    res.set("X-Cache", "HIT");
    res.set(http::field::etag, "\"abc\"");
    res.body() = "{}";
    res.prepare_payload();
    EXPECT_EQ(rendered(res.base()), beast_wire(res.base()));
    EXPECT_EQ(rendered(res.base()).substr(0, 17), "HTTP/1.1 200 OK\r\n");
}

TEST(wire_header, every_status_code_and_http_1_0_are_rendered_as_beast_writes_them) {
    for (const auto status : {http::status::no_content, http::status::not_modified,
                              http::status::bad_request, http::status::too_many_requests,
                              http::status::bad_gateway, http::status::gateway_timeout}) {
        http::response_header<> header;
        header.result(status);
        header.version(10);
        header.set(http::field::content_length, "0");
        EXPECT_EQ(rendered(header), beast_wire(header)) << static_cast<unsigned>(status);
    }
}

TEST(wire_header, a_date_is_the_last_field) {
    http::response_header<> header;
    header.result(http::status::ok);
    header.set(http::field::content_length, "0");
    std::string out;
    render_header(header, "Sun, 06 Nov 1994 08:49:37 GMT", out);
    header.set(http::field::date, "Sun, 06 Nov 1994 08:49:37 GMT");
    EXPECT_EQ(out, beast_wire(header));
}

TEST(wire_header, an_unknown_status_keeps_its_code) {
    http::response_header<> header;
    header.result(299);
    EXPECT_EQ(rendered(header), beast_wire(header));
}

} // namespace
} // namespace kore_gateway
