#include "support/test_client.hpp"

namespace kore_gateway::testing {

test_client::test_client(std::uint16_t port, std::chrono::milliseconds timeout)
    : stream_(ioc_), timeout_(timeout) {
    stream_.expires_after(timeout_);
    stream_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
}

test_response test_client::request(http::verb method, const std::string& target,
                                   const std::map<std::string, std::string>& headers,
                                   const std::string& body) {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [name, value] : headers) {
        req.set(name, value);
    }
    if (!body.empty() || method == http::verb::post) {
        req.body() = body;
        req.prepare_payload();
    }
    stream_.expires_after(timeout_);
    http::write(stream_, req);
    return read_response();
}

void test_client::send_raw(const std::string& bytes) {
    stream_.expires_after(timeout_);
    net::write(stream_, net::buffer(bytes));
}

test_response test_client::read_response() {
    test_response res;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    // Run the read on the io_context so that the tcp_stream deadline applies.
    error_code result;
    stream_.expires_after(timeout_);
    http::async_read(stream_, buffer_, parser, [&](error_code ec, std::size_t) { result = ec; });
    ioc_.restart();
    ioc_.run();
    if (result) {
        throw boost::system::system_error(result, "reading the response");
    }
    return parser.release();
}

bool test_client::closed_by_server() {
    char byte = 0;
    error_code result;
    stream_.expires_after(timeout_);
    stream_.async_read_some(net::buffer(&byte, 1),
                            [&](error_code ec, std::size_t) { result = ec; });
    ioc_.restart();
    ioc_.run();
    return result == net::error::eof || result == net::error::connection_reset;
}

test_response fetch(std::uint16_t port, http::verb method, const std::string& target,
                    const std::map<std::string, std::string>& headers, const std::string& body) {
    test_client client(port);
    return client.request(method, target, headers, body);
}

} // namespace kore_gateway::testing
