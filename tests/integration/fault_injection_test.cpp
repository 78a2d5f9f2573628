// Upstreams and auth servers that misbehave on purpose: every fault gives the client the
// contract's JSON error in bounded time, nothing crashes, and the gateway goes on serving.
// "Bounded memory": an endless answer is cut off by upstream_max_response_bytes (an invalid
// response, long before the timeout would have ended it), and a trickle by the one deadline of
// the whole exchange. Complements upstream_faults_test.cpp and token_test.cpp, which cover the
// single mock_server faults and fake_auth's own failure modes.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/eventually.hpp"
#include "support/gateway_with_fakes.hpp"
#include "support/test_client.hpp"

namespace kore_gateway::testing {
namespace {

using std::chrono::milliseconds;
using steady = std::chrono::steady_clock;

// Small, so that an endless answer hits it after a few dozen writes.
constexpr std::size_t response_limit = 64 * 1024;
constexpr milliseconds upstream_timeout{2000};
// Room for a loaded CI machine (and the sanitizers) on top of the timeout.
constexpr milliseconds slack{2500};

void limit_upstreams(gateway_config& config) {
    config.upstream_max_response_bytes = response_limit;
    config.upstream_timeout = upstream_timeout;
}

std::string deal_target() {
    return "/deals/" + std::string(sample_opportunity_id);
}

// True when a GET of the sample deal answers 200.
bool deal_answers_ok(std::uint16_t port) {
    return fetch(port, http::verb::get, deal_target()).result_int() == 200;
}

// The KORE fake answers through `change`, which may spoil its genuine reply.
void spoil_kore(fake_kore& kore, std::function<void(mock_reply&)> change) {
    kore.server().set_handler([&kore, change = std::move(change)](const recorded_request& req) {
        auto reply = kore.handle(req);
        change(reply);
        return reply;
    });
}

void heal_kore(fake_kore& kore) {
    kore.server().set_handler([&kore](const recorded_request& req) { return kore.handle(req); });
}

// ---- Upstream answers that go wrong ------------------------------------------------------------
// The single faults of mock_server (reset mid-body, endless headers and chunked bodies, a short
// body then close, garbage, hang, an oversized body, an untrusted certificate) are covered one by
// one in upstream_faults_test.cpp; these are the cases it leaves out.

// Content-Length promises more than is sent and the connection stays open: the missing bytes
// never come, and only the exchange deadline ends the wait.
TEST(fault_injection, a_body_shorter_than_its_content_length_on_an_open_connection_is_504) {
    gateway_with_fakes gw(limit_upstreams);
    spoil_kore(gw.kore(), [](mock_reply& reply) {
        reply.what = fault::wrong_content_length;
        reply.delay = milliseconds(60000); // how long the fake keeps the connection open
    });
    const auto started = steady::now();
    const auto res = fetch(gw.port(), http::verb::get, deal_target());
    const auto took = steady::now() - started;
    EXPECT_TRUE(is_gateway_error(res, 504, "upstream_timeout"));
    EXPECT_GE(took, upstream_timeout - milliseconds(100));
    EXPECT_LT(took, upstream_timeout + slack);
    EXPECT_EQ(fetch(gw.port(), http::verb::get, "/healthz").result_int(), 200);
    heal_kore(gw.kore());
    EXPECT_EQ(fetch(gw.port(), http::verb::get, deal_target()).result_int(), 200);
}

// A plain TCP server that, to every request, starts an answer and then sends one byte every
// 50 ms for as long as the peer listens: each read makes progress, only the exchange's overall
// deadline can end it.
class trickle_server {
public:
    trickle_server() {
        const tcp::endpoint endpoint(net::ip::make_address_v4("127.0.0.1"), 0);
        acceptor_.open(endpoint.protocol());
        acceptor_.bind(endpoint);
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        do_accept();
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~trickle_server() {
        ioc_.stop();
        thread_.join();
    }
    trickle_server(const trickle_server&) = delete;
    trickle_server& operator=(const trickle_server&) = delete;

    std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    std::size_t bytes_sent() const { return sent_.load(); }

private:
    struct connection {
        explicit connection(tcp::socket s) : socket(std::move(s)), timer(socket.get_executor()) {}
        tcp::socket socket;
        net::steady_timer timer;
        std::string request;
        std::string answer = "HTTP/1.1 200 OK\r\n";
        std::size_t next = 0;
    };

    void do_accept() {
        acceptor_.async_accept([this](error_code ec, tcp::socket socket) {
            if (ec) {
                return;
            }
            auto c = std::make_shared<connection>(std::move(socket));
            net::async_read_until(c->socket, net::dynamic_buffer(c->request), "\r\n\r\n",
                                  [this, c](error_code read_ec, std::size_t) {
                                      if (!read_ec) {
                                          trickle(c);
                                      }
                                  });
            do_accept();
        });
    }

    void trickle(const std::shared_ptr<connection>& c) {
        if (c->next == c->answer.size()) {
            c->answer += "X-Trickle: slow\r\n";
        }
        net::async_write(c->socket, net::buffer(&c->answer[c->next], 1),
                         [this, c](error_code ec, std::size_t n) {
                             if (ec) {
                                 return; // the gateway gave up and closed: done
                             }
                             c->next += n;
                             sent_ += n;
                             c->timer.expires_after(milliseconds(50));
                             c->timer.async_wait([this, c](error_code timer_ec) {
                                 if (!timer_ec) {
                                     trickle(c);
                                 }
                             });
                         });
    }

    net::io_context ioc_{1};
    tcp::acceptor acceptor_{ioc_};
    std::uint16_t port_ = 0;
    std::atomic<std::size_t> sent_{0};
    std::thread thread_;
};

TEST(fault_injection, a_slow_trickle_is_cut_off_by_the_exchange_deadline) {
    trickle_server slow;
    gateway_with_fakes gw([&slow](gateway_config& config) {
        limit_upstreams(config);
        config.allow_insecure_upstream = true;
        config.find_upstream("kore")->base_url = *parse_url(slow.base_url());
    });
    const auto started = steady::now();
    const auto res = fetch(gw.port(), http::verb::get, deal_target());
    const auto took = steady::now() - started;
    EXPECT_TRUE(is_gateway_error(res, 504, "upstream_timeout"));
    EXPECT_GE(took, upstream_timeout - milliseconds(100));
    EXPECT_LT(took, upstream_timeout + slack);
    EXPECT_GT(slow.bytes_sent(), 5u); // it did trickle: every single read made progress
    EXPECT_EQ(fetch(gw.port(), http::verb::get, "/catalog/products").result_int(), 200);
}

// ---- TLS handshakes that fail ------------------------------------------------------------------
// A certificate from an untrusted CA is covered in upstream_faults_test.cpp.

mock_reply would_answer(const recorded_request&) {
    return mock_reply{200, "application/json", R"([{"premium_deal_id":"x"}])", {}};
}

TEST(fault_injection, a_plain_http_server_where_tls_is_expected_fails_the_handshake) {
    mock_server plain(would_answer);
    gateway_with_fakes gw([&plain](gateway_config& config) {
        limit_upstreams(config);
        config.find_upstream("kore")->base_url =
            *parse_url("https://127.0.0.1:" + std::to_string(plain.port()));
    });
    const auto started = steady::now();
    EXPECT_TRUE(is_gateway_error(fetch(gw.port(), http::verb::get, deal_target()), 502,
                                 "upstream_unavailable"));
    EXPECT_LT(steady::now() - started, upstream_timeout + slack);
    EXPECT_EQ(plain.request_count(), 0u); // the ClientHello is not a request it could read
    EXPECT_EQ(fetch(gw.port(), http::verb::get, "/catalog/products").result_int(), 200);
}

// ---- Auth servers that answer nonsense ---------------------------------------------------------
// Malformed JSON, no access_token, an HTML error page and a 500 are covered in token_test.cpp.

// The demo upstreams with the auth fake prepared before the gateway starts, so that even the
// first token request (sent at start-up) meets the fault.
class auth_fault_gateway {
public:
    explicit auth_fault_gateway(const std::function<void(fake_auth&)>& prepare) {
        prepare(upstreams_.auth());
        auto config = with_demo_upstreams(test_config(), upstreams_);
        limit_upstreams(config);
        gateway_ = std::make_unique<running_gateway>(std::move(config), upstreams_.ca_pem());
    }
    std::uint16_t port() const { return gateway_->port(); }
    fake_auth& auth() { return upstreams_.auth(); }

private:
    demo_upstreams upstreams_; // first: the gateway stops before its upstreams
    std::unique_ptr<running_gateway> gateway_;
};

// Every token answer carries `expires_in: value` instead of the fake's number; the token itself
// is a genuine one, so KORE accepts it whenever the gateway does.
void answer_expires_in(fake_auth& auth, nlohmann::json value) {
    auth.server().set_handler([&auth, value = std::move(value)](const recorded_request& req) {
        auto reply = auth.handle(req);
        auto body = nlohmann::json::parse(reply.body, nullptr, false);
        if (body.is_object() && body.contains("access_token")) {
            body["expires_in"] = value;
            reply.body = body.dump();
        }
        return reply;
    });
}

void heal_auth(fake_auth& auth) {
    auth.set_failure(fake_auth::failure::none);
    auth.set_expires_in(3600);
    auth.server().set_handler([&auth](const recorded_request& req) { return auth.handle(req); });
}

struct auth_fault_case {
    std::string name;
    std::function<void(fake_auth&)> spoil;
};

// gtest prints a parameter into the test's name as ctest lists it: the name, not its bytes.
void PrintTo(const auth_fault_case& c, std::ostream* os) {
    *os << c.name;
}

class auth_fault : public ::testing::TestWithParam<auth_fault_case> {};

TEST_P(auth_fault, is_upstream_auth_failed_and_recovers_once_the_auth_server_does) {
    auth_fault_gateway gw(GetParam().spoil);
    EXPECT_TRUE(is_gateway_error(fetch(gw.port(), http::verb::get, deal_target()), 502,
                                 "upstream_auth_failed"));
    EXPECT_EQ(fetch(gw.port(), http::verb::get, "/readyz").result_int(), 503);
    // The Catalog API needs no token here: it is not held hostage by KORE's auth server.
    EXPECT_EQ(fetch(gw.port(), http::verb::get, "/catalog/products").result_int(), 200);
    // Failed token requests are retried with backoff, not in a tight loop.
    std::this_thread::sleep_for(milliseconds(300));
    EXPECT_LT(gw.auth().token_requests(), 10u);
    heal_auth(gw.auth());
    // The token provider retries on its own backoff schedule: recovery takes a few seconds.
    EXPECT_TRUE(eventually([&] { return deal_answers_ok(gw.port()); }, milliseconds(15000)));
}

INSTANTIATE_TEST_SUITE_P(
    fault_injection, auth_fault,
    ::testing::Values(
        auth_fault_case{"negative_expires_in", [](fake_auth& a) { a.set_expires_in(-3600); }},
        auth_fault_case{"zero_expires_in", [](fake_auth& a) { a.set_expires_in(0); }},
        auth_fault_case{"expires_in_not_a_number",
                        [](fake_auth& a) { answer_expires_in(a, "soon"); }},
        auth_fault_case{"expires_in_null", [](fake_auth& a) { answer_expires_in(a, nullptr); }},
        auth_fault_case{"empty_access_token",
                        [](fake_auth& a) {
                            a.server().set_handler([&a](const recorded_request& req) {
                                auto reply = a.handle(req);
                                reply.body = R"({"access_token":"","expires_in":3600})";
                                return reply;
                            });
                        }},
        auth_fault_case{"access_token_not_a_string",
                        [](fake_auth& a) {
                            a.server().set_handler([&a](const recorded_request& req) {
                                auto reply = a.handle(req);
                                reply.body = R"({"access_token":{"value":"x"},"expires_in":3600})";
                                return reply;
                            });
                        }},
        // A token answer without end: the response size bound applies to the auth server too.
        auth_fault_case{"endless_chunked_answer",
                        [](fake_auth& a) {
                            a.server().set_handler([&a](const recorded_request& req) {
                                auto reply = a.handle(req);
                                reply.what = fault::endless_chunked;
                                return reply;
                            });
                        }}),
    [](const ::testing::TestParamInfo<auth_fault_case>& param_info) {
        return param_info.param.name;
    });

// Lifetimes that are odd but usable: the token works, and an absurd one does not make the gateway
// either hammer the auth server or trust the token for centuries.
struct odd_lifetime_case {
    std::string name;
    nlohmann::json expires_in;
};

void PrintTo(const odd_lifetime_case& c, std::ostream* os) {
    *os << c.name;
}

class odd_token_lifetime : public ::testing::TestWithParam<odd_lifetime_case> {};

TEST_P(odd_token_lifetime, still_gives_a_working_token_without_a_request_storm) {
    const auto expires_in = GetParam().expires_in;
    auth_fault_gateway gw([&expires_in](fake_auth& a) { answer_expires_in(a, expires_in); });
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(eventually([&] { return deal_answers_ok(gw.port()); }));
    }
    EXPECT_LE(gw.auth().token_requests(), 2u);
}

INSTANTIATE_TEST_SUITE_P(
    fault_injection, odd_token_lifetime,
    ::testing::Values(odd_lifetime_case{"absurdly_large", std::numeric_limits<std::int64_t>::max()},
                      odd_lifetime_case{"larger_than_any_integer", 1e300},
                      odd_lifetime_case{"numeric_string", "3600"},
                      odd_lifetime_case{"fractional", 3599.5}),
    [](const ::testing::TestParamInfo<odd_lifetime_case>& param_info) {
        return param_info.param.name;
    });

// ---- Many faults at once -----------------------------------------------------------------------

// Clients on several threads meet a mix of faults at the same time; every answer is a contract
// answer, and afterwards the gateway serves normally.
TEST(fault_injection, a_mix_of_concurrent_faults_leaves_the_gateway_serving) {
    // Before the gateway: its fake refers to them until the gateway is gone.
    std::atomic<int> counter{0};
    const std::vector<fault> faults{fault::none,
                                    fault::close_mid_body,
                                    fault::endless_headers,
                                    fault::endless_chunked,
                                    fault::garbage,
                                    fault::close_before_answer,
                                    fault::wrong_content_length};
    gateway_with_fakes gw(limit_upstreams);
    spoil_kore(gw.kore(), [&counter, &faults](mock_reply& reply) {
        reply.what = faults[static_cast<std::size_t>(counter++) % faults.size()];
    });
    constexpr int threads = 4;
    constexpr int per_thread = 7;
    std::atomic<int> not_contract{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < threads; ++t) {
        clients.emplace_back([&] {
            for (int i = 0; i < per_thread; ++i) {
                try {
                    const auto res = fetch(gw.port(), http::verb::get, deal_target());
                    const auto status = res.result_int();
                    if (status != 200 && status != 502 && status != 504) {
                        ++not_contract;
                    } else if (status != 200 && !nlohmann::json::accept(res.body())) {
                        ++not_contract;
                    }
                } catch (const std::exception&) {
                    ++not_contract; // the gateway closed on us or did not answer in time
                }
            }
        });
    }
    for (auto& c : clients) {
        c.join();
    }
    EXPECT_EQ(not_contract.load(), 0);
    heal_kore(gw.kore());
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(fetch(gw.port(), http::verb::get, deal_target()).result_int(), 200);
    }
}

} // namespace
} // namespace kore_gateway::testing
