#include "kore_gateway/upstream/upstream_request.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace kore_gateway {
namespace {

// What Beast's own serializer writes for the same request, Host first as write_to puts it.
std::string beast_wire(http::verb method, const std::string& target,
                       const std::vector<std::pair<std::string, std::string>>& lines,
                       const std::string& body) {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "origin.example:8443");
    for (const auto& [name, value] : lines) {
        req.insert(name, value);
    }
    req.body() = body;
    req.prepare_payload();
    std::ostringstream out;
    out << req;
    return out.str();
}

std::string wire_of(const upstream_request& req) {
    std::string wire = "kept: ";
    req.write_to(wire, "origin.example:8443");
    EXPECT_EQ(wire.substr(0, 6), "kept: "); // appends, never replaces
    return wire.substr(6);
}

TEST(upstream_request, a_get_goes_on_the_wire_as_beast_writes_it) {
    upstream_request req{http::verb::get, "/aggregates/x/by-opportunity/1234?y=1"};
    EXPECT_TRUE(req.set(http::field::accept, "application/json"));
    EXPECT_TRUE(req.set("X-Api-Key", "k-123"));
    EXPECT_TRUE(req.set(http::field::authorization, "Bearer abc"));
    EXPECT_EQ(wire_of(req), beast_wire(http::verb::get, "/aggregates/x/by-opportunity/1234?y=1",
                                       {{"Accept", "application/json"},
                                        {"X-Api-Key", "k-123"},
                                        {"Authorization", "Bearer abc"}},
                                       ""));
    EXPECT_EQ(wire_of(req).find("Content-Length"), std::string::npos);
}

TEST(upstream_request, a_post_carries_its_body_and_content_length) {
    upstream_request req{http::verb::post, "/api/v1/products/p1/offers/o1/price"};
    req.set(http::field::content_type, "application/json");
    req.body() = R"({"formData":[]})";
    EXPECT_EQ(wire_of(req),
              beast_wire(http::verb::post, "/api/v1/products/p1/offers/o1/price",
                         {{"Content-Type", "application/json"}}, R"({"formData":[]})"));
    EXPECT_NE(wire_of(req).find("\r\nContent-Length: 15\r\n\r\n{"), std::string::npos);

    // A POST without a body still says so, as Beast's prepare_payload does.
    const upstream_request empty{http::verb::post, "/connect/token"};
    EXPECT_EQ(wire_of(empty), beast_wire(http::verb::post, "/connect/token", {}, ""));
    EXPECT_NE(wire_of(empty).find("Content-Length: 0\r\n"), std::string::npos);
}

TEST(upstream_request, the_connections_own_fields_are_left_to_write_to) {
    upstream_request req{http::verb::get, "/"};
    for (const auto* name : {"Host", "connection", "Content-Length", "TRANSFER-ENCODING"}) {
        EXPECT_TRUE(req.set(name, "theirs")) << name;
    }
    EXPECT_EQ(wire_of(req), "GET / HTTP/1.1\r\nHost: origin.example:8443\r\n\r\n");
}

TEST(upstream_request, a_line_break_in_a_name_or_value_is_refused) {
    upstream_request req{http::verb::get, "/"};
    EXPECT_FALSE(req.set(http::field::authorization, "Bearer t\r\nX-Api-Key: theirs"));
    EXPECT_FALSE(req.set("X-Api-Key", "k\n"));
    EXPECT_FALSE(req.set("X-Api-Key", std::string_view("k\0x", 3)));
    EXPECT_FALSE(req.set("X-Evil\r\nHost", "x"));
    EXPECT_FALSE(req.set("", "x"));
    EXPECT_EQ(wire_of(req), "GET / HTTP/1.1\r\nHost: origin.example:8443\r\n\r\n");
}

// The check goes 16 bytes at a time, then byte by byte: a break is found at every position of
// a long token-like value, in a name as in a value, and a value without one is taken.
TEST(upstream_request, a_line_break_anywhere_in_a_long_name_or_value_is_refused) {
    for (std::size_t length = 1; length <= 48; ++length) {
        const std::string clean(length, 'a');
        upstream_request req{http::verb::get, "/"};
        EXPECT_TRUE(req.set("X-Long", clean)) << length;
        EXPECT_TRUE(req.set("X-" + clean, "v")) << length;
        for (std::size_t at = 0; at < length; ++at) {
            for (const char bad : {'\r', '\n', '\0'}) {
                auto value = clean;
                value[at] = bad;
                EXPECT_FALSE(req.set("X-Long", value)) << length << " " << at << " " << int{bad};
                EXPECT_FALSE(req.set("X-" + value, "v")) << length << " " << at << " " << int{bad};
            }
        }
        EXPECT_EQ(req["X-Long"], clean);
    }
}

TEST(upstream_request, takes_the_lines_of_a_template_after_its_own) {
    upstream_request fixed;
    fixed.set(http::field::accept, "application/json");
    fixed.set("X-Api-Key", "k-123");
    upstream_request req{http::verb::get, "/deals/1"};
    req.set("X-Request-Id", "r1");
    req.add_lines_of(fixed);
    req.add_lines_of(fixed); // not a set: each call adds the lines again
    EXPECT_EQ(wire_of(req), "GET /deals/1 HTTP/1.1\r\nHost: origin.example:8443\r\n"
                            "X-Request-Id: r1\r\nAccept: application/json\r\nX-Api-Key: k-123\r\n"
                            "Accept: application/json\r\nX-Api-Key: k-123\r\n\r\n");
    EXPECT_EQ(fixed["x-api-key"], "k-123");
}

TEST(upstream_request, finds_a_line_by_name_in_any_case) {
    upstream_request req{http::verb::post, "/t"};
    req.set(http::field::content_type, "application/x-www-form-urlencoded");
    req.set("X-Request-Id", "r1");
    req.set("X-Request-Id", "r2");
    EXPECT_EQ(req[http::field::content_type], "application/x-www-form-urlencoded");
    EXPECT_EQ(req["x-request-id"], "r1");
    EXPECT_EQ(req[http::field::accept], "");
    EXPECT_EQ(req.method(), http::verb::post);
    EXPECT_EQ(req.target(), "/t");
}

} // namespace
} // namespace kore_gateway
