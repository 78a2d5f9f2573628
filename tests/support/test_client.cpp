#include "support/test_client.hpp"

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
