// Upstreams that fail (CONTRACT.md sections 4 and 8): certificates that must not be trusted,
// refused connections, answers too slow, broken, unparsable or too large. Each gives the client
// the contract's error in KORE's shape, and the gateway serves the next good request.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/ssl.h>

#include "kore_gateway/util/ids.hpp"
#include "support/fwd_fakes.hpp"
#include "support/gateway_with_fakes.hpp"
#include "support/test_client.hpp"

namespace kore_gateway::testing {
namespace {

using namespace std::chrono_literals;

const std::string deal_target = "/deals/" + std::string(sample_opportunity_id);

// A deal answer that goes wrong the way what says.
mock_reply broken(fault what, std::chrono::milliseconds delay = {}) {
    mock_reply reply;
    reply.body = R"([{"premium_deal_id":"1234abcd-1234-abcd-123456789abc","total_seats":8}])";
    reply.what = what;
    reply.delay = delay;
    return reply;
}

mock_reply answer(unsigned status, std::string content_type, std::string body) {
    mock_reply reply;
    reply.status = status;
    reply.content_type = std::move(content_type);
    reply.body = std::move(body);
    return reply;
}

// ---------------------------------------------------------------------------------------------
// TLS

TEST(upstream_faults, kore_certificate_from_an_untrusted_ca_sends_nothing_and_is_502) {
    const auto untrusted = make_test_pki("fwd untrusted CA");
    fwd_options options;
    options.kore_tls = make_server_tls_context(untrusted.server);
    fwd_fakes fakes(make_test_pki(), options);
    running_gateway gw(fakes.config(), fakes.ca_pem());

    const auto res = fetch(gw.port(), http::verb::get, deal_target);
    EXPECT_TRUE(is_gateway_error(res, 502, "upstream_unavailable"));
    EXPECT_GE(fakes.kore().server().accepted_connections(), 1u); // it was tried
    EXPECT_EQ(fakes.kore().server().request_count(), 0u);        // and nothing was sent
    // The other upstream is unaffected.
    EXPECT_EQ(fetch(gw.port(), http::verb::get, "/catalog/products").result_int(), 200);
}

TEST(upstream_faults, auth_server_with_an_untrusted_certificate_never_receives_the_secret) {
    const auto untrusted = make_test_pki("fwd untrusted CA");
    fwd_options options;
    options.auth_tls = make_server_tls_context(untrusted.server);
    fwd_fakes fakes(make_test_pki(), options);
    running_gateway gw(fakes.config(), fakes.ca_pem());

    const auto res = fetch(gw.port(), http::verb::get, deal_target);
    EXPECT_TRUE(is_gateway_error(res, 502, "upstream_auth_failed"));
    EXPECT_GE(fakes.auth().server().accepted_connections(), 1u);
    EXPECT_EQ(fakes.auth().server().request_count(), 0u);
    EXPECT_EQ(fakes.auth().token_requests(), 0u);
    EXPECT_EQ(fakes.kore().server().request_count(), 0u);
    EXPECT_EQ(fetch(gw.port(), http::verb::get, "/readyz").result_int(), 503);
}

TEST(upstream_faults, certificate_for_another_host_name_is_rejected) {
    auto pki = make_test_pki();
    fwd_options options;
    options.kore_tls = make_server_tls_context(issue_server_certificate(pki, {"wrong.example"}));
    // Valid for the name localhost, but the catalog is configured by its IP address.
    options.catalog_tls = make_server_tls_context(issue_server_certificate(pki, {"localhost"}));
    fwd_fakes fakes(pki, options);
    auto config = fakes.config();
    config.find_upstream("catalog")->base_url.host = "127.0.0.1";
    running_gateway gw(config, fakes.ca_pem());

    EXPECT_TRUE(is_gateway_error(fetch(gw.port(), http::verb::get, deal_target), 502,
                                 "upstream_unavailable"));
    EXPECT_TRUE(is_gateway_error(fetch(gw.port(), http::verb::get, "/catalog/products"), 502,
                                 "upstream_unavailable"));
    EXPECT_GE(fakes.kore().server().accepted_connections(), 1u);
    EXPECT_GE(fakes.catalog().server().accepted_connections(), 1u);
    EXPECT_EQ(fakes.kore().server().request_count(), 0u);
    EXPECT_EQ(fakes.catalog().server().request_count(), 0u);
}

TEST(upstream_faults, certificate_with_the_ip_address_is_accepted_for_an_ip_url) {
    fwd_fakes fakes; // the certificate names localhost and 127.0.0.1
    auto config = fakes.config();
    config.find_upstream("kore")->base_url.host = "127.0.0.1";
    running_gateway gw(config, fakes.ca_pem());
    EXPECT_EQ(fetch(gw.port(), http::verb::get, deal_target).result_int(), 200);
    const auto sent = fakes.kore().server().requests();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].header("host"), "127.0.0.1:" + std::to_string(fakes.kore().server().port()));
}

// The server names (SNI) a TLS server context was asked for, "" for a ClientHello without one.
class sni_recorder {
public:
    explicit sni_recorder(ssl::context& ctx) {
        ::SSL_CTX_set_tlsext_servername_callback(ctx.native_handle(), &sni_recorder::on_hello);
        ::SSL_CTX_set_tlsext_servername_arg(ctx.native_handle(), this);
    }
    std::vector<std::string> names() const {
        std::lock_guard lock(mutex_);
        return names_;
    }

private:
    static int on_hello(SSL* ssl, int*, void* arg) {
        auto* self = static_cast<sni_recorder*>(arg);
        const char* name = ::SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
        std::lock_guard lock(self->mutex_);
        self->names_.emplace_back(name != nullptr ? name : "");
        return SSL_TLSEXT_ERR_OK;
    }

    mutable std::mutex mutex_;
    std::vector<std::string> names_;
};

TEST(upstream_faults, sni_names_the_upstream_host_and_is_left_out_for_an_ip_address) {
    auto pki = make_test_pki();
    fwd_options options;
    options.kore_tls = make_server_tls_context(pki.server);
    options.catalog_tls = make_server_tls_context(pki.server);
    const sni_recorder kore_sni(*options.kore_tls);
    const sni_recorder catalog_sni(*options.catalog_tls);
    fwd_fakes fakes(pki, options);
    auto config = fakes.config();
    config.find_upstream("catalog")->base_url.host = "127.0.0.1"; // RFC 6066: no IP literal in SNI
    running_gateway gw(config, fakes.ca_pem());
    EXPECT_EQ(fetch(gw.port(), http::verb::get, deal_target).result_int(), 200);
    EXPECT_EQ(fetch(gw.port(), http::verb::get, "/catalog/products").result_int(), 200);
    EXPECT_EQ(kore_sni.names(), std::vector<std::string>{"localhost"});
    EXPECT_EQ(catalog_sni.names(), std::vector<std::string>{""});
}

// A file removed when the test ends.
class temp_file {
public:
    explicit temp_file(const std::string& content)
        : path_(std::filesystem::temp_directory_path() / ("fwd-ca-" + random_id() + ".pem")) {
        std::ofstream(path_) << content;
    }
    ~temp_file() {
        std::error_code ec;
        std::filesystem::remove(path_, ec);
    }
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;
    std::string path() const { return path_.string(); }

private:
    std::filesystem::path path_;
};

TEST(upstream_faults, ca_file_is_what_makes_the_upstreams_trusted) {
    demo_upstreams up;
    const temp_file ca(up.ca_pem());
    {
        // The production path: GATEWAY_CA_FILE, no CA passed in memory.
        auto config = with_demo_upstreams(test_config(), up);
        config.ca_file = ca.path();
        running_gateway gw(config);
        EXPECT_EQ(fetch(gw.port(), http::verb::get, deal_target).result_int(), 200);
        EXPECT_EQ(fetch(gw.port(), http::verb::get, "/catalog/products").result_int(), 200);
    }
    {
        // Without it only the system CAs are trusted: the test CA is not among them.
        running_gateway gw(with_demo_upstreams(test_config(), up));
        EXPECT_TRUE(is_gateway_error(fetch(gw.port(), http::verb::get, deal_target), 502,
                                     "upstream_auth_failed"));
        EXPECT_TRUE(is_gateway_error(fetch(gw.port(), http::verb::get, "/catalog/products"), 502,
                                     "upstream_unavailable"));
    }
    EXPECT_EQ(up.auth().token_requests(), 1u);
    EXPECT_EQ(up.kore().server().request_count(), 1u);
    EXPECT_EQ(up.catalog().server().request_count(), 1u);
}

// ---------------------------------------------------------------------------------------------
// Transport and answer faults

TEST(upstream_faults, connection_refused_is_upstream_unavailable) {
    const auto nothing_there = unused_port();
    gateway_with_fakes gw([nothing_there](gateway_config& config) {
        config.find_upstream("kore")->base_url.port = nothing_there;
    });
    const auto res = fetch(gw.port(), http::verb::get, deal_target);
    EXPECT_TRUE(is_gateway_error(res, 502, "upstream_unavailable"));
    EXPECT_EQ(fetch(gw.port(), http::verb::get, "/catalog/products").result_int(), 200);
}

// Accepts TCP connections (in the kernel's backlog) and never says a word: a TLS handshake with
// it never completes.
class silent_listener {
public:
    silent_listener() : acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {}
    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

private:
    net::io_context ioc_;
    tcp::acceptor acceptor_;
};

TEST(upstream_faults, tls_handshake_that_never_completes_is_504_and_a_token_failure_for_auth) {
    const silent_listener kore;
    const silent_listener auth;
    {
        // The timeout also bounds the start-up token request to the (answering) auth server;
        // 1 s leaves a slow sanitizer build room for that handshake, and the request waits until
        // the token is there, so the only thing that can time out is the KORE handshake.
        gateway_with_fakes gw([&kore](gateway_config& config) {
            config.upstream_timeout = 1s;
            config.find_upstream("kore")->base_url.port = kore.port();
        });
        ASSERT_TRUE(eventually(
            [&gw] { return fetch(gw.port(), http::verb::get, "/readyz").result_int() == 200; }));
        const auto started = std::chrono::steady_clock::now();
        EXPECT_TRUE(is_gateway_error(fetch(gw.port(), http::verb::get, deal_target), 504,
                                     "upstream_timeout"));
        EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
    }
    {
        gateway_with_fakes gw([&auth](gateway_config& config) {
            config.upstream_timeout = 300ms;
            config.find_upstream("kore")->auth->token_url.port = auth.port();
        });
        const auto started = std::chrono::steady_clock::now();
        EXPECT_TRUE(is_gateway_error(fetch(gw.port(), http::verb::get, deal_target), 502,
                                     "upstream_auth_failed"));
        EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
        EXPECT_EQ(gw.kore().server().request_count(), 0u);
    }
}

TEST(upstream_faults, upstream_slower_than_the_timeout_is_504_in_bounded_time) {
    gateway_with_fakes gw([](gateway_config& config) {
        config.upstream_timeout = 300ms;
        config.upstream_pool_size = 1; // a timed-out exchange must give its slot back
    });
    test_client client(gw.port());
    // Within the timeout: answered.
    gw.kore().server().set_handler([&gw](const recorded_request& req) {
        auto reply = gw.kore().handle(req);
        reply.delay = 50ms;
        return reply;
    });
    ASSERT_EQ(client.get(deal_target).result_int(), 200);

    for (const auto& slow : {broken(fault::hang), broken(fault::delay, 1500ms)}) {
        SCOPED_TRACE(static_cast<int>(slow.what));
        gw.kore().server().set_handler([slow](const recorded_request&) { return slow; });
        const auto started = std::chrono::steady_clock::now();
        const auto res = client.get(deal_target);
        const auto took = std::chrono::steady_clock::now() - started;
        EXPECT_TRUE(is_gateway_error(res, 504, "upstream_timeout"));
        EXPECT_GE(took, 250ms);
        EXPECT_LT(took, 3s);

        gw.kore().server().set_handler(answer_as(gw.kore()));
        EXPECT_EQ(client.get(deal_target).result_int(), 200);
    }
}

TEST(upstream_faults, broken_answers_map_to_the_contract_errors_and_the_gateway_recovers) {
    gateway_with_fakes gw([](gateway_config& config) {
        config.upstream_max_response_bytes = 64 * 1024;
        config.upstream_pool_size = 1; // a failed exchange must give its slot back
    });
    struct bad_answer {
        std::string name;
        mock_reply reply;
        std::string error;
    };
    const std::string big_json = R"({"padding":")" + std::string(100 * 1024, 'p') + R"("})";
    const std::vector<bad_answer> cases{
        {"garbage", broken(fault::garbage), "upstream_invalid_response"},
        {"reset mid body", broken(fault::close_mid_body), "upstream_unavailable"},
        {"closed before answering", broken(fault::close_before_answer), "upstream_unavailable"},
        {"short body", broken(fault::wrong_content_length, 50ms), "upstream_unavailable"},
        {"html page", answer(200, "text/html", "<html><body>Welcome</body></html>"),
         "upstream_invalid_response"},
        {"truncated json", answer(200, "application/json", R"({"premium_deal_id":)"),
         "upstream_invalid_response"},
        {"oversized body", answer(200, "application/json", big_json), "upstream_invalid_response"},
        {"endless headers", broken(fault::endless_headers), "upstream_invalid_response"},
        {"endless chunked body", broken(fault::endless_chunked), "upstream_invalid_response"},
    };
    test_client client(gw.port());
    std::set<std::string> error_ids;
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        gw.kore().server().set_handler(
            [reply = c.reply](const recorded_request&) { return reply; });
        const auto res = client.get(deal_target);
        EXPECT_TRUE(is_gateway_error(res, 502, c.error));
        error_ids.insert(body_json(res).value("error_id", ""));

        gw.kore().server().set_handler(answer_as(gw.kore()));
        const auto good = client.get(deal_target);
        EXPECT_EQ(good.result_int(), 200) << good.body();
    }
    EXPECT_EQ(error_ids.size(), cases.size());
}

TEST(upstream_faults, upstream_401_without_auth_is_upstream_auth_failed_without_retry) {
    gateway_with_fakes gw(
        [](gateway_config& config) { config.find_upstream("catalog")->api_key = "wrong-key"; });
    const auto res = fetch(gw.port(), http::verb::get, "/catalog/products");
    EXPECT_TRUE(is_gateway_error(res, 502, "upstream_auth_failed"));
    EXPECT_EQ(gw.catalog().server().request_count(), 1u);
}

TEST(upstream_faults, response_just_under_the_size_bound_is_passed_through) {
    gateway_with_fakes gw(
        [](gateway_config& config) { config.upstream_max_response_bytes = 64 * 1024; });
    const std::string body = R"({"padding":")" + std::string(48 * 1024, 'p') + R"("})";
    gw.kore().server().set_handler(
        [body](const recorded_request&) { return answer(200, "application/json", body); });
    const auto res = fetch(gw.port(), http::verb::get, deal_target);
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_EQ(res.body(), body);
}

} // namespace
} // namespace kore_gateway::testing
