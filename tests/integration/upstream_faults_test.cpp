// Upstreams that fail (CONTRACT.md sections 4 and 8): certificates that must not be trusted,
// refused connections, answers too slow, broken, unparsable or too large. Each gives the client
// the contract's error in KORE's shape, and the gateway serves the next good request.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/ssl.h>

#include "kore_gateway/util/clock.hpp"
#include "kore_gateway/util/ids.hpp"
#include "support/fwd_fakes.hpp"
#include "support/gateway_with_fakes.hpp"
#include "support/targets.hpp"
#include "support/test_client.hpp"

namespace kore_gateway::testing {
namespace {

using namespace std::chrono_literals;

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
    gateway_with_fakes gw({.fakes = chosen_fakes{make_test_pki(), options}});

    const auto res = fetch(gw.port(), http::verb::get, deal_target);
    EXPECT_TRUE(is_gateway_error(res, 502, "upstream_unavailable"));
    EXPECT_GE(gw.kore().server().accepted_connections(), 1u); // it was tried
    EXPECT_EQ(gw.kore().server().request_count(), 0u);        // and nothing was sent
    // The other upstream is unaffected.
    EXPECT_EQ(fetch(gw.port(), http::verb::get, "/catalog/products").result_int(), 200);
}

TEST(upstream_faults, auth_server_with_an_untrusted_certificate_never_receives_the_secret) {
    const auto untrusted = make_test_pki("fwd untrusted CA");
    fwd_options options;
    options.auth_tls = make_server_tls_context(untrusted.server);
    gateway_with_fakes gw({.fakes = chosen_fakes{make_test_pki(), options}});

    const auto res = fetch(gw.port(), http::verb::get, deal_target);
    EXPECT_TRUE(is_gateway_error(res, 502, "upstream_auth_failed"));
    EXPECT_GE(gw.auth().server().accepted_connections(), 1u);
    EXPECT_EQ(gw.auth().server().request_count(), 0u);
    EXPECT_EQ(gw.auth().token_requests(), 0u);
    EXPECT_EQ(gw.kore().server().request_count(), 0u);
    EXPECT_EQ(fetch(gw.port(), http::verb::get, "/readyz").result_int(), 503);
}

TEST(upstream_faults, certificate_for_another_host_name_is_rejected) {
    auto pki = make_test_pki();
    fwd_options options;
    options.kore_tls = make_server_tls_context(issue_server_certificate(pki, {"wrong.example"}));
    // Valid for the name localhost, but the catalog is configured by its IP address.
    options.catalog_tls = make_server_tls_context(issue_server_certificate(pki, {"localhost"}));
    gateway_with_fakes gw({.adjust =
                               [](gateway_config& config) {
                                   config.find_upstream("catalog")->base_url.host = "127.0.0.1";
                               },
                           .fakes = chosen_fakes{pki, options}});

    EXPECT_TRUE(is_gateway_error(fetch(gw.port(), http::verb::get, deal_target), 502,
                                 "upstream_unavailable"));
    EXPECT_TRUE(is_gateway_error(fetch(gw.port(), http::verb::get, "/catalog/products"), 502,
                                 "upstream_unavailable"));
    EXPECT_GE(gw.kore().server().accepted_connections(), 1u);
    EXPECT_GE(gw.catalog().server().accepted_connections(), 1u);
    EXPECT_EQ(gw.kore().server().request_count(), 0u);
    EXPECT_EQ(gw.catalog().server().request_count(), 0u);
}

TEST(upstream_faults, certificate_with_the_ip_address_is_accepted_for_an_ip_url) {
    // The certificate names localhost and 127.0.0.1.
    gateway_with_fakes gw({.adjust =
                               [](gateway_config& config) {
                                   config.find_upstream("kore")->base_url.host = "127.0.0.1";
                               },
                           .fakes = chosen_fakes{}});
    EXPECT_EQ(fetch(gw.port(), http::verb::get, deal_target).result_int(), 200);
    const auto sent = gw.kore().server().requests();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].header("host"), "127.0.0.1:" + std::to_string(gw.kore().server().port()));
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
    gateway_with_fakes gw({.adjust =
                               [](gateway_config& config) {
                                   // RFC 6066: no IP literal in SNI
                                   config.find_upstream("catalog")->base_url.host = "127.0.0.1";
                               },
                           .fakes = chosen_fakes{pki, options}});
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
    {
        // The production path: GATEWAY_CA_FILE, no CA passed in memory.
        gateway_with_fakes gw({.trust_fakes_ca = false, .start_gateway = false});
        const temp_file ca(gw.ca_pem());
        gw.start([&ca](gateway_config& config) { config.ca_file = ca.path(); });
        EXPECT_EQ(fetch(gw.port(), http::verb::get, deal_target).result_int(), 200);
        EXPECT_EQ(fetch(gw.port(), http::verb::get, "/catalog/products").result_int(), 200);
        gw.gateway().stop();
        EXPECT_EQ(gw.auth().token_requests(), 1u);
        EXPECT_EQ(gw.kore().server().request_count(), 1u);
        EXPECT_EQ(gw.catalog().server().request_count(), 1u);
    }
    {
        // Without it only the system CAs are trusted: the test CA is not among them.
        gateway_with_fakes gw({.trust_fakes_ca = false});
        EXPECT_TRUE(is_gateway_error(fetch(gw.port(), http::verb::get, deal_target), 502,
                                     "upstream_auth_failed"));
        EXPECT_TRUE(is_gateway_error(fetch(gw.port(), http::verb::get, "/catalog/products"), 502,
                                     "upstream_unavailable"));
        gw.gateway().stop();
        EXPECT_EQ(gw.auth().token_requests(), 0u);
        EXPECT_EQ(gw.kore().server().request_count(), 0u);
        EXPECT_EQ(gw.catalog().server().request_count(), 0u);
    }
}

// ---------------------------------------------------------------------------------------------
// Transport and answer faults

TEST(upstream_faults, connection_refused_is_upstream_unavailable) {
    gateway_with_fakes gw({.start_gateway = false});
    // Taken once the fakes hold their ports: a fake started later could be given this one.
    const auto nothing_there = unused_port();
    gw.start([nothing_there](gateway_config& config) {
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
        // Only the exchange deadline ends the handshake: without it the test client's own
        // deadline (5 s) would end the fetch first, and the answer would not be a 504.
        EXPECT_TRUE(is_gateway_error(fetch(gw.port(), http::verb::get, deal_target), 504,
                                     "upstream_timeout"));
    }
    {
        gateway_with_fakes gw([&auth](gateway_config& config) {
            config.upstream_timeout = 300ms;
            config.find_upstream("kore")->auth->token_url.port = auth.port();
        });
        EXPECT_TRUE(is_gateway_error(fetch(gw.port(), http::verb::get, deal_target), 502,
                                     "upstream_auth_failed"));
        EXPECT_EQ(gw.kore().server().request_count(), 0u);
    }
}

// The gateway's clock decides: a slow answer is a 504 once the clock passes the timeout, and not
// before.
TEST(upstream_faults, upstream_slower_than_the_timeout_is_504_at_the_deadline) {
    manual_clock clock;
    gateway_with_fakes gw({.adjust =
                               [](gateway_config& config) {
                                   config.upstream_timeout = 10s;
                                   // a timed-out exchange must give its slot back
                                   config.upstream_pool_size = 1;
                               },
                           .clock = &clock});
    test_client client(gw.port());
    // Slow in real time, but within the timeout on the gateway's clock: answered.
    gw.kore().server().set_handler([&gw](const recorded_request& req) {
        auto reply = gw.kore().handle(req);
        reply.delay = 50ms;
        return reply;
    });
    ASSERT_EQ(client.get(deal_target).result_int(), 200);

    for (const auto& slow : {broken(fault::hang), broken(fault::delay, 60s)}) {
        SCOPED_TRACE(static_cast<int>(slow.what));
        gw.kore().server().set_handler([slow](const recorded_request&) { return slow; });
        const auto asked = gw.kore().server().request_count();
        auto res = std::async(std::launch::async, [&client] { return client.get(deal_target); });
        ASSERT_TRUE(eventually([&] { return gw.kore().server().request_count() == asked + 1; }));
        clock.advance(10s - 1ms);
        EXPECT_EQ(res.wait_for(50ms), std::future_status::timeout) << "ended before the deadline";
        clock.advance(1ms);
        EXPECT_TRUE(is_gateway_error(res.get(), 504, "upstream_timeout"));

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

// ---------------------------------------------------------------------------------------------
// Faults that only a deadline or the response bound ends, and many at once

// Content-Length promises more than is sent and the connection stays open: the missing bytes
// never come, and only the exchange deadline ends the wait (a test client's own deadline, 5 s,
// would otherwise fail the fetch).
TEST(upstream_faults, a_body_shorter_than_its_content_length_on_an_open_connection_is_504) {
    gateway_with_fakes gw;
    const auto timeout = gw.gateway().app().config().upstream_timeout;
    gw.kore().server().set_handler([](const recorded_request&) {
        return broken(fault::wrong_content_length, 60s); // how long the fake keeps it open
    });
    const auto started = std::chrono::steady_clock::now();
    const auto res = fetch(gw.port(), http::verb::get, deal_target);
    EXPECT_TRUE(is_gateway_error(res, 504, "upstream_timeout"));
    EXPECT_GE(std::chrono::steady_clock::now() - started, timeout); // a lower bound only
    EXPECT_EQ(fetch(gw.port(), http::verb::get, "/healthz").result_int(), 200);
    gw.kore().server().set_handler(answer_as(gw.kore()));
    EXPECT_EQ(fetch(gw.port(), http::verb::get, deal_target).result_int(), 200);
}

// Every read makes progress (a byte each 50 ms), so only the exchange's overall deadline ends it.
TEST(upstream_faults, a_slow_trickle_is_cut_off_by_the_exchange_deadline) {
    gateway_with_fakes gw;
    gw.kore().server().set_handler(
        [](const recorded_request&) { return broken(fault::trickle, 50ms); });
    const auto started = std::chrono::steady_clock::now();
    const auto res = fetch(gw.port(), http::verb::get, deal_target);
    EXPECT_TRUE(is_gateway_error(res, 504, "upstream_timeout"));
    EXPECT_GE(std::chrono::steady_clock::now() - started,
              gw.gateway().app().config().upstream_timeout); // a lower bound only
    EXPECT_EQ(gw.kore().server().request_count(), 1u);
    EXPECT_EQ(fetch(gw.port(), http::verb::get, "/catalog/products").result_int(), 200);
}

// The ClientHello is not a request a plain HTTP server could read: it answers garbage or closes,
// and the handshake fails (a 502, not the 504 of a deadline).
TEST(upstream_faults, a_plain_http_server_where_tls_is_expected_fails_the_handshake) {
    mock_server plain([](const recorded_request&) { return broken(fault::none); });
    gateway_with_fakes gw([&plain](gateway_config& config) {
        config.find_upstream("kore")->base_url =
            *parse_url("https://127.0.0.1:" + std::to_string(plain.port()));
    });
    EXPECT_TRUE(is_gateway_error(fetch(gw.port(), http::verb::get, deal_target), 502,
                                 "upstream_unavailable"));
    EXPECT_EQ(plain.request_count(), 0u);
    EXPECT_EQ(fetch(gw.port(), http::verb::get, "/catalog/products").result_int(), 200);
}

// Concurrent clients meet a mix of faults at the same time; every answer is a contract
// answer, and afterwards the gateway serves normally.
TEST(upstream_faults, a_mix_of_concurrent_faults_leaves_the_gateway_serving) {
    // Before the gateway: its fake refers to them until the gateway is gone.
    std::atomic<int> counter{0};
    const std::vector<fault> faults{fault::none,
                                    fault::close_mid_body,
                                    fault::endless_headers,
                                    fault::endless_chunked,
                                    fault::garbage,
                                    fault::close_before_answer,
                                    fault::wrong_content_length};
    gateway_with_fakes gw(
        [](gateway_config& config) { config.upstream_max_response_bytes = 64 * 1024; });
    gw.kore().server().set_handler([&gw, &counter, &faults](const recorded_request& req) {
        auto reply = gw.kore().handle(req);
        reply.what = faults[static_cast<std::size_t>(counter++) % faults.size()];
        return reply;
    });
    // Seven rounds of four concurrent requests.
    int not_contract = 0;
    for (int round = 0; round < 7; ++round) {
        for (const auto& res : fetch_concurrently(gw.port(), 4, deal_target)) {
            // Status 0: the gateway closed on the client or did not answer in time.
            const auto status = res.result_int();
            if (status != 200 && status != 502 && status != 504) {
                ++not_contract;
            } else if (status != 200 && !nlohmann::json::accept(res.body())) {
                ++not_contract;
            }
        }
    }
    EXPECT_EQ(not_contract, 0);
    gw.kore().server().set_handler(answer_as(gw.kore()));
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(fetch(gw.port(), http::verb::get, deal_target).result_int(), 200);
    }
}

} // namespace
} // namespace kore_gateway::testing
