#include "unit/mock/test_http_client.hpp"

#include <optional>

#include <gtest/gtest.h>

#include "kore_gateway/util/url.hpp"

namespace kore_gateway::testing {

test_request make_request(http::verb method, std::string target, std::string body,
                          std::vector<std::pair<std::string, std::string>> headers) {
    test_request req{method, target, 11};
    req.set(http::field::host, "localhost");
    for (auto& [name, value] : headers) {
        req.set(name, value);
    }
    req.body() = std::move(body);
    req.prepare_payload();
    return req;
}

test_http_client::test_http_client(std::uint16_t port)
    : stream_(ioc_, ctx_), tls_(false), port_(port) {}

test_http_client::test_http_client(std::uint16_t port, const std::string& ca_pem,
                                   std::string host_name)
    : stream_(ioc_, ctx_), tls_(true), port_(port), host_name_(std::move(host_name)) {
    ctx_.add_certificate_authority(net::buffer(ca_pem));
    stream_.set_verify_mode(ssl::verify_peer);
    stream_.set_verify_callback(ssl::host_name_verification(host_name_));
    SSL_set_tlsext_host_name(stream_.native_handle(), host_name_.c_str());
}

template <class Start>
error_code test_http_client::run(std::chrono::milliseconds timeout, Start start) {
    error_code result = net::error::would_block;
    beast::get_lowest_layer(stream_).expires_after(timeout);
    start([&result](error_code ec, auto&&...) { result = ec; });
    ioc_.restart();
    ioc_.run_for(timeout + 2s);
    return result;
}

error_code test_http_client::connect() {
    const tcp::endpoint endpoint(net::ip::make_address_v4("127.0.0.1"), port_);
    auto ec = run(3s, [&](auto done) {
        beast::get_lowest_layer(stream_).async_connect(endpoint, std::move(done));
    });
    if (ec || !tls_) {
        return ec;
    }
    return run(3s, [&](auto done) { stream_.async_handshake(ssl::stream_base::client, done); });
}

error_code test_http_client::write(test_request req) {
    return run(3s, [&](auto done) {
        if (tls_) {
            http::async_write(stream_, req, std::move(done));
        } else {
            http::async_write(beast::get_lowest_layer(stream_), req, std::move(done));
        }
    });
}

error_code test_http_client::read(http::response_parser<http::string_body>& parser,
                                  std::chrono::milliseconds timeout) {
    return run(timeout, [&](auto done) {
        if (tls_) {
            http::async_read(stream_, buffer_, parser, std::move(done));
        } else {
            http::async_read(beast::get_lowest_layer(stream_), buffer_, parser, std::move(done));
        }
    });
}

error_code test_http_client::read(test_response& res, std::chrono::milliseconds timeout) {
    http::response_parser<http::string_body> parser;
    auto ec = read(parser, timeout);
    if (!ec) {
        res = parser.release();
    }
    return ec;
}

error_code test_http_client::read_raw(std::string& out, std::chrono::milliseconds timeout) {
    auto buffer = net::dynamic_buffer(out);
    return run(timeout, [&](auto done) {
        if (tls_) {
            net::async_read(stream_, buffer, std::move(done));
        } else {
            net::async_read(beast::get_lowest_layer(stream_), buffer, std::move(done));
        }
    });
}

test_response fetch(const std::string& base_url, test_request req, const std::string& ca_pem) {
    auto origin = parse_url(base_url);
    if (!origin) {
        ADD_FAILURE() << "not a base url: " << base_url;
        return {};
    }
    std::optional<test_http_client> client;
    if (origin->is_tls()) {
        client.emplace(origin->port, ca_pem, origin->host);
    } else {
        client.emplace(origin->port);
    }
    req.set(http::field::host, origin->host_header());
    test_response res;
    error_code ec = client->connect();
    if (!ec) {
        ec = client->write(std::move(req));
    }
    if (!ec) {
        ec = client->read(res);
    }
    if (ec) {
        ADD_FAILURE() << "exchange with " << base_url << " failed: " << ec.message();
        return {};
    }
    return res;
}

} // namespace kore_gateway::testing
