#include "support/test_client.hpp"

#include <latch>
#include <optional>
#include <stdexcept>
#include <thread>

#include "kore_gateway/util/url.hpp"

namespace kore_gateway::testing {

namespace {

bool is_hex_id(const nlohmann::json& value) {
    if (!value.is_string()) {
        return false;
    }
    const auto& text = value.get_ref<const std::string&>();
    return text.size() == 32 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

} // namespace

server_address::server_address(const std::string& base_url, std::string ca_pem) {
    const auto parsed = parse_url(base_url);
    if (!parsed) {
        throw std::invalid_argument("not a base url: " + base_url);
    }
    port = parsed->port;
    if (parsed->is_tls()) {
        tls = tls_options{std::move(ca_pem), parsed->host};
    }
}

test_client::test_client(const server_address& to, std::chrono::milliseconds timeout)
    : stream_(ioc_, ctx_), tls_(to.tls.has_value()), host_(tls_ ? to.tls->host_name : "127.0.0.1"),
      timeout_(timeout) {
    const tcp::endpoint endpoint(net::ip::make_address_v4("127.0.0.1"), to.port);
    auto ec = run([&](auto&, auto done) { stream().async_connect(endpoint, std::move(done)); });
    if (!ec && tls_) {
        ctx_.add_certificate_authority(net::buffer(to.tls->ca_pem));
        stream_.set_verify_mode(ssl::verify_peer);
        stream_.set_verify_callback(ssl::host_name_verification(host_));
        SSL_set_tlsext_host_name(stream_.native_handle(), host_.c_str());
        ec =
            run([&](auto&, auto done) { stream_.async_handshake(ssl::stream_base::client, done); });
    }
    if (ec) {
        throw boost::system::system_error(ec, "connecting to port " + std::to_string(to.port));
    }
}

template <class Start> error_code test_client::run(Start start) {
    error_code result = net::error::would_block;
    auto done = [&result](error_code ec, auto&&...) { result = ec; };
    stream().expires_after(timeout_);
    if (tls_) {
        start(stream_, done);
    } else {
        start(stream(), done);
    }
    ioc_.restart();
    ioc_.run();
    return result;
}

test_response test_client::request(http::verb method, const std::string& target,
                                   const test_headers& headers, const std::string& body) {
    send(method, target, headers, body);
    return read_response();
}

void test_client::send(http::verb method, const std::string& target, const test_headers& headers,
                       const std::string& body) {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, host_);
    for (const auto& [name, value] : headers) {
        req.set(name, value);
    }
    if (!body.empty() || method == http::verb::post) {
        req.body() = body;
        req.prepare_payload();
    }
    if (auto ec = run([&](auto& s, auto done) { http::async_write(s, req, done); })) {
        throw boost::system::system_error(ec, "writing the request");
    }
}

void test_client::send_raw(const std::string& bytes) {
    if (auto ec = run([&](auto& s, auto done) { net::async_write(s, net::buffer(bytes), done); })) {
        throw boost::system::system_error(ec, "writing raw bytes");
    }
}

test_response test_client::read_response() {
    test_response res;
    if (auto ec = read(res)) {
        throw boost::system::system_error(ec, "reading the response");
    }
    return res;
}

error_code test_client::read(http::response_parser<http::string_body>& parser) {
    return run([&](auto& s, auto done) { http::async_read(s, buffer_, parser, done); });
}

error_code test_client::read(test_response& res) {
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    const auto ec = read(parser);
    if (!ec) {
        res = parser.release();
    }
    return ec;
}

error_code test_client::read_raw(std::string& out) {
    auto buffer = net::dynamic_buffer(out);
    return run([&](auto& s, auto done) { net::async_read(s, buffer, done); });
}

bool test_client::closed_by_server() {
    char byte = 0;
    const auto ec =
        run([&](auto& s, auto done) { s.async_read_some(net::buffer(&byte, 1), done); });
    return ec == net::error::eof || ec == net::error::connection_reset ||
           ec == ssl::error::stream_truncated;
}

error_code connect_error(const server_address& to) {
    try {
        test_client client(to);
    } catch (const boost::system::system_error& failure) {
        return failure.code();
    }
    return {};
}

test_response fetch(const server_address& to, http::verb method, const std::string& target,
                    const test_headers& headers, const std::string& body) {
    test_client client(to);
    return client.request(method, target, headers, body);
}

std::vector<test_response> fetch_concurrently(std::uint16_t port, std::size_t count,
                                              const std::string& target,
                                              std::chrono::milliseconds timeout) {
    std::vector<test_response> responses(count);
    auto failed = [&responses](std::size_t i, const std::exception& failure) {
        responses[i] = test_response{};
        responses[i].result(0); // not a valid status
        responses[i].body() = failure.what();
    };
    std::latch connected(static_cast<std::ptrdiff_t>(count));
    std::vector<std::thread> threads;
    threads.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        threads.emplace_back([&, i] {
            std::optional<test_client> client;
            try {
                client.emplace(port, timeout);
            } catch (const std::exception& failure) {
                failed(i, failure);
            }
            connected.arrive_and_wait();
            if (!client) {
                return;
            }
            try {
                responses[i] = client->get(target);
            } catch (const std::exception& failure) {
                failed(i, failure);
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    return responses;
}

nlohmann::json body_json(const test_response& res) {
    return nlohmann::json::parse(res.body(), nullptr, false);
}

::testing::AssertionResult is_gateway_error(const test_response& res, unsigned status,
                                            std::string_view error) {
    auto failure = [&res]() {
        return ::testing::AssertionFailure()
               << "status " << res.result_int() << ", body " << res.body() << ": ";
    };
    if (res.result_int() != status) {
        return failure() << "expected status " << status;
    }
    if (res[http::field::content_type] != "application/json") {
        return failure() << "Content-Type is '" << res[http::field::content_type] << "'";
    }
    const auto body = body_json(res);
    if (!body.is_object()) {
        return failure() << "not a JSON object";
    }
    if (body.size() != 6 || !body.contains("id") || !body["id"].is_null() ||
        !is_hex_id(body.value("error_id", nlohmann::json())) ||
        !body.value("message", nlohmann::json()).is_string() || !body.contains("link") ||
        !body["link"].is_null() || !body.value("errors", nlohmann::json()).is_array()) {
        return failure() << "not in KORE's error shape";
    }
    // CONTRACT section 10: a body that fails its schema lists {"pointer", "message"} per failure.
    for (const auto& detail : body["errors"]) {
        if (!detail.is_object() || detail.size() != 2 ||
            !detail.value("pointer", nlohmann::json()).is_string() ||
            !detail.value("message", nlohmann::json()).is_string()) {
            return failure() << "an errors entry is not {pointer, message}";
        }
    }
    if (body.value("error", nlohmann::json()) != nlohmann::json(error)) {
        return failure() << "expected error '" << error << "'";
    }
    return ::testing::AssertionSuccess();
}

} // namespace kore_gateway::testing
