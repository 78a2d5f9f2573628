#include "kore_gateway/http/wire_header.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace kore_gateway {
namespace {

// What Beast's own serializer writes for the header.
template <bool is_request> std::string beast_wire(const http::header<is_request>& header) {
    std::ostringstream out;
    out << header;
    return out.str();
}

template <bool is_request> std::string rendered(const http::header<is_request>& header) {
    std::string out = "left over from the previous message";
    render_header(header, out);
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

TEST(wire_header, an_unknown_status_keeps_its_code) {
    http::response_header<> header;
    header.result(299);
    EXPECT_EQ(rendered(header), beast_wire(header));
}

TEST(wire_header, a_request_is_rendered_as_beast_writes_it) {
    http::request<http::string_body> req{http::verb::post,
                                         "/api/v1/products/p1/offers/o1/price?customerId=C1", 11};
    req.set(http::field::host, "catalog.example:8443");
    req.set(http::field::content_type, "application/json");
    req.set(http::field::authorization, "Bearer t");
    req.set("X-Request-Id", "abc");
    req.body() = R"({"formData":[]})";
    req.prepare_payload();
    EXPECT_EQ(rendered(req.base()), beast_wire(req.base()));
    EXPECT_EQ(rendered(req.base()).substr(0, 5), "POST ");
}

TEST(wire_header, a_request_without_fields_is_its_request_line_and_the_empty_line) {
    http::request_header<> header;
    header.method(http::verb::get);
    header.target("/");
    header.version(10);
    EXPECT_EQ(rendered(header), "GET / HTTP/1.0\r\n\r\n");
    EXPECT_EQ(rendered(header), beast_wire(header));
}

} // namespace
} // namespace kore_gateway
