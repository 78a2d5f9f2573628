// A small synchronous HTTP client for tests: one keep-alive connection to the gateway under test,
// with every read bounded by a deadline so a broken server fails the test instead of hanging it;
// and what tests read from its answers (the JSON body, the gateway's error shape).
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kore_gateway/net.hpp"

namespace kore_gateway::testing {

using test_response = http::response<http::string_body>;

class test_client {
public:
    explicit test_client(std::uint16_t port,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));

    test_response request(http::verb method, const std::string& target,
                          const std::map<std::string, std::string>& headers = {},
                          const std::string& body = {});

    // The body as JSON; discarded when it is not JSON.
    nlohmann::json body_json(const test_response& res);

    // res is an error of the gateway itself: that status, JSON in KORE's shape
    // ({"id":null,"error_id":<32 hex>,"error":..,"message":..,"link":null,"errors":[]}) with that
    // error word.
    ::testing::AssertionResult is_gateway_error(const test_response& res, unsigned status,
                                                std::string_view error);
    test_response get(const std::string& target,
                      const std::map<std::string, std::string>& headers = {}) {
        return request(http::verb::get, target, headers);
    }

    // Raw bytes, for what a well-behaved client would never send.
    void send_raw(const std::string& bytes);
    test_response read_response();
    // True when the server has closed the connection (reads EOF within the timeout).
    bool closed_by_server();

    beast::tcp_stream& stream() { return stream_; }

private:
    net::io_context ioc_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::chrono::milliseconds timeout_;
};

// One request on a fresh connection.
test_response fetch(std::uint16_t port, http::verb method, const std::string& target,
                    const std::map<std::string, std::string>& headers = {},
                    const std::string& body = {});

// The body as JSON; discarded when it is not JSON.
nlohmann::json body_json(const test_response& res);

// res is an error of the gateway itself: that status, JSON in KORE's shape
// ({"id":null,"error_id":<32 hex>,"error":..,"message":..,"link":null,"errors":[]}) with that
// error word.
::testing::AssertionResult is_gateway_error(const test_response& res, unsigned status,
                                            std::string_view error);

} // namespace kore_gateway::testing
