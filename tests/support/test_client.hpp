// A small synchronous HTTP client for tests, plain or TLS: one keep-alive connection to the
// gateway or a fake upstream, with every operation bounded by a deadline so a broken server fails
// the test instead of hanging it; one request, or many at once; and what tests read from its
// answers (the JSON body, the gateway's error shape).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kore_gateway/net.hpp"

namespace kore_gateway::testing {

using test_response = http::response<http::string_body>;
using test_headers = std::map<std::string, std::string>;

// TLS as a test_client speaks it: trusting only ca_pem, sending SNI for and verifying host_name.
struct tls_options {
    std::string ca_pem;
    std::string host_name = "localhost";
};

// Where a test_client connects: 127.0.0.1:port, over TLS when tls is set.
struct server_address {
    // Implicit: most tests talk plain HTTP to a port.
    server_address(std::uint16_t port_number) : port(port_number) {}
    server_address(std::uint16_t port_number, tls_options tls_to_use)
        : port(port_number), tls(std::move(tls_to_use)) {}
    // A base URL as mock_server::base_url gives it ("http://127.0.0.1:P" or
    // "https://localhost:P"); ca_pem is the CA trusted when it is https.
    server_address(const std::string& base_url, std::string ca_pem = {});

    std::uint16_t port;
    std::optional<tls_options> tls;
};

class test_client {
public:
    // Connects (and shakes hands over TLS) at once; throws boost::system::system_error when
    // that fails.
    explicit test_client(const server_address& to,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));

    // send, then read_response.
    test_response request(http::verb method, const std::string& target,
                          const test_headers& headers = {}, const std::string& body = {});
    test_response get(const std::string& target, const test_headers& headers = {}) {
        return request(http::verb::get, target, headers);
    }

    // Writes one request without waiting for its answer; throws when the write fails.
    void send(http::verb method, const std::string& target, const test_headers& headers = {},
              const std::string& body = {});
    // Raw bytes, for what a well-behaved client would never send.
    void send_raw(const std::string& bytes);

    // The next answer; throws when it cannot be read.
    test_response read_response();
    // The next answer into parser (whose limits the caller may set); returns what went wrong,
    // for tests of servers that answer badly on purpose.
    error_code read(http::response_parser<http::string_body>& parser);
    error_code read(test_response& res);
    // Every byte until the peer closes or the deadline passes; returns what ended it.
    error_code read_raw(std::string& out);
    // True when the server has closed the connection (reads EOF within the timeout).
    bool closed_by_server();

    // The TCP layer, under TLS when there is TLS.
    beast::tcp_stream& stream() { return beast::get_lowest_layer(stream_); }

private:
    // Runs one asynchronous operation, on the TLS or the TCP layer, to completion; the
    // stream deadline bounds it.
    template <class Start> error_code run(Start start);

    net::io_context ioc_;
    ssl::context ctx_{ssl::context::tls_client};
    beast::ssl_stream<beast::tcp_stream> stream_;
    bool tls_;
    std::string host_;
    beast::flat_buffer buffer_;
    std::chrono::milliseconds timeout_;
};

// Why a test_client cannot connect to `to` (TCP, then the TLS handshake); success when it can.
error_code connect_error(const server_address& to);

// One request on a fresh connection.
test_response fetch(const server_address& to, http::verb method, const std::string& target,
                    const test_headers& headers = {}, const std::string& body = {});

// count GETs of target at the same moment, each from its own thread on its own connection, all
// connected before any of them sends; answers in the order sent, no particular order of arrival.
// A request that failed at the socket level is a response with status 0 and the failure as its
// body (never an exception).
std::vector<test_response>
fetch_concurrently(std::uint16_t port, std::size_t count, const std::string& target,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10));

// The body as JSON; discarded when it is not JSON.
nlohmann::json body_json(const test_response& res);

// res is an error of the gateway itself: that status, JSON in KORE's shape
// ({"id":null,"error_id":<32 hex>,"error":..,"message":..,"link":null,"errors":[]}) with that
// error word.
::testing::AssertionResult is_gateway_error(const test_response& res, unsigned status,
                                            std::string_view error);

} // namespace kore_gateway::testing
