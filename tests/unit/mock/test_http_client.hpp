// A blocking HTTP/1.1 client for the mock tests, plain or TLS, whose every operation is bounded
// by a deadline: a misbehaving server fails a test instead of hanging it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "kore_gateway/net.hpp"

namespace kore_gateway::testing {

using namespace std::chrono_literals;

using test_request = http::request<http::string_body>;
using test_response = http::response<http::string_body>;

test_request make_request(http::verb method, std::string target, std::string body = {},
                          std::vector<std::pair<std::string, std::string>> headers = {});

class test_http_client {
public:
    // Plain HTTP to 127.0.0.1:port.
    explicit test_http_client(std::uint16_t port);
    // TLS to 127.0.0.1:port trusting only ca_pem, with SNI and verification of host_name.
    test_http_client(std::uint16_t port, const std::string& ca_pem,
                     std::string host_name = "localhost");

    // TCP connect, then the TLS handshake when there is TLS.
    error_code connect();
    error_code write(test_request req);
    error_code read(http::response_parser<http::string_body>& parser,
                    std::chrono::milliseconds timeout = 3s);
    error_code read(test_response& res, std::chrono::milliseconds timeout = 3s);
    // Every byte until the peer closes or the deadline passes; returns what ended it.
    error_code read_raw(std::string& out, std::chrono::milliseconds timeout = 3s);

private:
    // Runs one asynchronous operation to completion; the stream deadline bounds it.
    template <class Start> error_code run(std::chrono::milliseconds timeout, Start start);

    net::io_context ioc_;
    ssl::context ctx_{ssl::context::tls_client};
    beast::ssl_stream<beast::tcp_stream> stream_;
    bool tls_;
    std::uint16_t port_;
    std::string host_name_;
    beast::flat_buffer buffer_;
};

// One request on a new connection to base_url (see mock_server::base_url); ca_pem is needed for
// https. Reports a test failure and returns a response with status 0 when the exchange fails.
test_response fetch(const std::string& base_url, test_request req, const std::string& ca_pem = {});

} // namespace kore_gateway::testing
