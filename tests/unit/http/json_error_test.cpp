#include "kore_gateway/http/json_error.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kore_gateway/util/ids.hpp"

namespace kore_gateway {
namespace {

TEST(json_error, has_the_kore_error_shape) {
    const auto res = make_error_response(errors::bad_request, "customerId is required", "abc123");
    EXPECT_EQ(res.result(), http::status::bad_request);
    EXPECT_EQ(res[http::field::content_type], "application/json");
    EXPECT_EQ(res[http::field::cache_control], "no-store");
    const auto body = nlohmann::json::parse(*res.body());
    EXPECT_EQ(body, nlohmann::json::parse(R"({"id":null,"error_id":"abc123","error":"bad_request",
        "message":"customerId is required","link":null,"errors":[]})"));
}

TEST(json_error, fields_come_in_kores_order) {
    EXPECT_EQ(error_body(errors::not_found, "no such endpoint", "e1"),
              R"({"id":null,"error_id":"e1","error":"not_found","message":"no such endpoint",)"
              R"("link":null,"errors":[]})");
}

TEST(json_error, every_kind_of_the_contract_table) {
    const std::vector<std::pair<error_kind, unsigned>> table{
        {errors::bad_request, 400},
        {errors::unauthorized, 401},
        {errors::forbidden, 403},
        {errors::not_found, 404},
        {errors::method_not_allowed, 405},
        {errors::payload_too_large, 413},
        {errors::rate_limited, 429},
        {errors::headers_too_large, 431},
        {errors::upstream_unavailable, 502},
        {errors::upstream_auth_failed, 502},
        {errors::upstream_invalid_response, 502},
        {errors::upstream_timeout, 504}};
    for (const auto& [kind, status] : table) {
        const auto res = make_error_response(kind, "m", "id");
        EXPECT_EQ(res.result_int(), status) << kind.code;
        EXPECT_EQ(nlohmann::json::parse(*res.body())["error"], kind.code);
    }
}

TEST(json_error, invalid_utf8_in_a_message_does_not_throw) {
    EXPECT_NO_THROW(error_body(errors::bad_request, "bad \xff byte", "id"));
}

TEST(ids, random_ids_are_unique_hex) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        const auto id = random_id();
        EXPECT_EQ(id.size(), 32u);
        EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
        seen.insert(id);
    }
    EXPECT_EQ(seen.size(), 1000u);
    // Every one of the 32 digits is drawn: over 1000 ids each position shows all 16 values (the
    // odds of one missing by chance are below 1e-26).
    for (std::size_t position = 0; position < 32; ++position) {
        std::set<char> values;
        for (const auto& id : seen) {
            values.insert(id[position]);
        }
        EXPECT_EQ(values.size(), 16u) << "position " << position;
    }
}

TEST(ids, client_request_id_syntax) {
    EXPECT_TRUE(is_valid_request_id("req-1.2_3:4"));
    EXPECT_TRUE(is_valid_request_id(std::string(128, 'a')));
    EXPECT_FALSE(is_valid_request_id(std::string(129, 'a')));
    EXPECT_FALSE(is_valid_request_id(""));
    EXPECT_FALSE(is_valid_request_id("a b"));
    EXPECT_FALSE(is_valid_request_id("a\r\nX-Evil: 1"));
}

} // namespace
} // namespace kore_gateway
