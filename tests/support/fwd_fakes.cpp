#include "support/fwd_fakes.hpp"

#include <algorithm>
#include <latch>
#include <stdexcept>
#include <thread>

namespace kore_gateway::testing {

namespace {

std::shared_ptr<ssl::context> or_default(const std::shared_ptr<ssl::context>& chosen,
                                         const std::shared_ptr<ssl::context>& fallback) {
    return chosen ? chosen : fallback;
}

bool is_hex_id(const nlohmann::json& value) {
    if (!value.is_string()) {
        return false;
    }
    const auto& text = value.get_ref<const std::string&>();
    return text.size() == 32 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

} // namespace

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

std::string bearer_of(const recorded_request& req) {
    constexpr std::string_view scheme = "Bearer ";
    const auto value = req.header("authorization");
    return value.starts_with(scheme) ? value.substr(scheme.size()) : std::string();
}

std::uint16_t unused_port() {
    net::io_context ioc;
    tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    return acceptor.local_endpoint().port();
}

std::vector<test_response> fetch_concurrently(std::uint16_t port, std::size_t count,
                                              const std::string& target,
                                              std::chrono::milliseconds timeout) {
    std::vector<test_response> responses(count);
    std::latch start(static_cast<std::ptrdiff_t>(count));
    std::vector<std::thread> threads;
    threads.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        threads.emplace_back([&, i] {
            start.arrive_and_wait();
            try {
                test_client client(port, timeout);
                responses[i] = client.get(target);
            } catch (const std::exception&) {
                responses[i] = test_response{}; // status 0 is not a valid status
                responses[i].result(0);
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    return responses;
}

url must_parse_url(const std::string& text) {
    auto parsed = parse_url(text);
    if (!parsed) {
        throw std::invalid_argument("not a URL: " + text);
    }
    return *parsed;
}

double metric_value(const std::string& exposition, const std::string& series) {
    const auto prefix = series + ' ';
    std::size_t at = 0;
    while (at < exposition.size()) {
        const auto end = std::min(exposition.find('\n', at), exposition.size());
        const std::string_view line(exposition.data() + at, end - at);
        if (line.starts_with(prefix)) {
            return std::stod(std::string(line.substr(prefix.size())));
        }
        at = end + 1;
    }
    return -1;
}

void keep_sending_for(std::chrono::milliseconds duration, const std::function<void()>& request,
                      std::chrono::milliseconds interval) {
    const auto until = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < until) {
        request();
        std::this_thread::sleep_for(interval);
    }
}

fwd_fakes::fwd_fakes(test_pki trusted, fwd_options options)
    : pki_(std::move(trusted)), options_(std::move(options)),
      trusted_tls_(make_server_tls_context(pki_.server)),
      auth_(options_.credentials.client_id, options_.credentials.client_secret,
            options_.credentials.scope, or_default(options_.auth_tls, trusted_tls_)),
      catalog_auth_(options_.catalog_auth == fwd_options::catalog_token::own
                        ? std::make_unique<fake_auth>(options_.credentials.catalog_client_id,
                                                      options_.credentials.catalog_client_secret,
                                                      options_.credentials.catalog_scope,
                                                      trusted_tls_)
                        : nullptr),
      kore_(options_.credentials.kore_api_key, auth_, or_default(options_.kore_tls, trusted_tls_)),
      catalog_(options_.credentials.catalog_api_key,
               options_.catalog_auth == fwd_options::catalog_token::shared_with_kore
                   ? &auth_
                   : catalog_auth_.get(),
               or_default(options_.catalog_tls, trusted_tls_)) {}

gateway_config fwd_fakes::config(gateway_config base) const {
    const auto& c = options_.credentials;
    upstream_config kore;
    kore.name = "kore";
    kore.base_url = must_parse_url(kore_.base_url());
    kore.api_key = c.kore_api_key;
    kore.auth = client_credentials{must_parse_url(auth_.token_url()), c.client_id, c.client_secret,
                                   c.scope};
    base.set_upstream(std::move(kore));

    upstream_config catalog;
    catalog.name = "catalog";
    catalog.base_url = must_parse_url(catalog_.base_url());
    catalog.api_key = c.catalog_api_key;
    if (catalog_auth_) {
        catalog.auth =
            client_credentials{must_parse_url(catalog_auth_->token_url()), c.catalog_client_id,
                               c.catalog_client_secret, c.catalog_scope};
    } else if (options_.catalog_auth == fwd_options::catalog_token::shared_with_kore) {
        catalog.auth = base.find_upstream("kore")->auth;
    }
    base.set_upstream(std::move(catalog));
    return base;
}

} // namespace kore_gateway::testing
