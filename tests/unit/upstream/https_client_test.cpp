#include "kore_gateway/upstream/https_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <thread>
#include <vector>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "kore_gateway/mock/mock_server.hpp"
#include "kore_gateway/mock/test_certificates.hpp"
#include "kore_gateway/upstream/tls_context.hpp"
#include "support/eventually.hpp"

namespace kore_gateway {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::test_bound;

mock_reply answer(std::string body, fault what = fault::none) {
    mock_reply reply;
    reply.body = std::move(body);
    reply.what = what;
    return reply;
}

upstream_request make_upstream_request(http::verb method, std::string target,
                                       std::string body = {}) {
    upstream_request req{method, std::move(target)};
    req.body() = std::move(body);
    return req;
}

// A plain-HTTP upstream that answers every request with the same raw bytes: for the answers the
// mock server never produces (chunked bodies, bytes past the end of an answer, HEAD answers).
class raw_upstream {
public:
    explicit raw_upstream(std::string answer) : answer_(std::move(answer)) {
        do_accept();
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~raw_upstream() {
        ioc_.stop();
        thread_.join();
    }

    std::string base_url() const {
        return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
    }
    std::size_t accepted_connections() const { return accepted_.load(); }

private:
    // Reads requests without bodies, up to the blank line, and answers each.
    struct session : std::enable_shared_from_this<session> {
        session(tcp::socket s, const std::string& a) : socket(std::move(s)), answer(a) {}

        void do_read() {
            net::async_read_until(socket, net::dynamic_buffer(pending), "\r\n\r\n",
                                  [self = shared_from_this()](error_code ec, std::size_t n) {
                                      if (!ec) {
                                          self->pending.erase(0, n);
                                          self->do_write();
                                      }
                                  });
        }
        void do_write() {
            net::async_write(socket, net::buffer(answer),
                             [self = shared_from_this()](error_code ec, std::size_t) {
                                 if (!ec) {
                                     self->do_read();
                                 }
                             });
        }

        tcp::socket socket;
        const std::string& answer;
        std::string pending;
    };

    void do_accept() {
        acceptor_.async_accept([this](error_code ec, tcp::socket socket) {
            if (ec) {
                return;
            }
            ++accepted_;
            std::make_shared<session>(std::move(socket), answer_)->do_read();
            do_accept();
        });
    }

    std::string answer_;
    net::io_context ioc_;
    tcp::acceptor acceptor_{ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)};
    std::atomic<std::size_t> accepted_{0};
    std::thread thread_;
};

// The client on an io_context run by one thread, as each of the gateway's I/O threads runs its
// own (the client requires it), called from the test's thread, against a TLS mock upstream
// whose CA the client trusts.
class https_client_test : public ::testing::Test {
protected:
    https_client_test() : thread_([this] { ioc_.run(); }) {}

    ~https_client_test() override {
        for (const auto& client : clients_) {
            client->shutdown();
        }
        clients_.clear();
        work_.reset();
        ioc_.stop();
        thread_.join();
    }

    // On the real clock unless a test moves clock_ itself (deadlines and the idle sweep).
    std::shared_ptr<https_client> make_client(const std::string& base_url,
                                              upstream_client_options opts = {},
                                              std::shared_ptr<ssl::context> tls = {},
                                              const clock& clk = steady_clock::instance()) {
        if (!tls && base_url.starts_with("https")) {
            tls = make_client_tls_context({}, pki_.ca_pem);
        }
        auto client = https_client::create(ioc_.get_executor(), *parse_url(base_url),
                                           std::move(tls), opts, clk);
        clients_.push_back(client);
        return client;
    }
    // A client of server_ whose exchanges end `timeout` after they start, on the manual clock.
    std::shared_ptr<https_client> make_timed_client(std::chrono::milliseconds timeout) {
        upstream_client_options opts;
        opts.timeout = timeout;
        return make_client(server_.base_url(), opts, {}, clock_);
    }

    // Starts one exchange; its result comes through the future.
    static std::future<upstream_result> send(https_client& client, upstream_request req) {
        auto done = std::make_shared<std::promise<upstream_result>>();
        auto future = done->get_future();
        client.async_exchange(std::move(req),
                              [done](upstream_result r) { done->set_value(std::move(r)); });
        return future;
    }

    // One exchange, waited for within test_bound; status 0 and error timeout when it never ends.
    static upstream_result call(https_client& client, upstream_request req) {
        auto future = send(client, std::move(req));
        if (future.wait_for(test_bound) != std::future_status::ready) {
            ADD_FAILURE() << "the exchange did not complete within " << test_bound.count() << " s";
            return {upstream_errc::timeout, {}};
        }
        return future.get();
    }

    static upstream_result get(https_client& client, std::string target = "/") {
        return call(client, make_upstream_request(http::verb::get, std::move(target)));
    }

    // Runs f on the client's I/O thread and waits for it.
    void on_client_thread(const std::function<void()>& f) {
        std::promise<void> ran;
        net::post(ioc_, [&] {
            f();
            ran.set_value();
        });
        ran.get_future().wait();
    }

    // Moves the manual clock to 1 ms before `left` has passed and checks the exchange is still
    // pending, then to `left`, and checks it ended there with a timeout.
    void expect_times_out_after(std::future<upstream_result>& result, clock::duration left) {
        clock_.advance(left - 1ms);
        EXPECT_EQ(result.wait_for(50ms), std::future_status::timeout)
            << "ended before its deadline";
        clock_.advance(1ms);
        ASSERT_EQ(result.wait_for(test_bound), std::future_status::ready);
        EXPECT_EQ(result.get().error, upstream_errc::timeout);
    }

    // After a fault, the same client still gets normal answers.
    static void expect_healthy(https_client& client, mock_server& server) {
        server.set_handler([](const recorded_request&) { return answer("fine"); });
        const auto r = get(client, "/after-fault");
        EXPECT_EQ(r.error, upstream_errc::ok) << to_string(r.error);
        EXPECT_EQ(r.response.body(), "fine");
    }

    manual_clock clock_;
    test_pki pki_ = make_test_pki();
    mock_server server_{[](const recorded_request& req) { return answer("hello " + req.target); },
                        make_server_tls_context(pki_.server)};

private:
    net::io_context ioc_;
    std::optional<net::executor_work_guard<net::io_context::executor_type>> work_{
        ioc_.get_executor()};
    std::thread thread_;
    std::vector<std::shared_ptr<https_client>> clients_;
};

TEST(upstream_errc, has_stable_names) {
    EXPECT_EQ(to_string(upstream_errc::ok), "ok");
    EXPECT_EQ(to_string(upstream_errc::connect_failed), "connect_failed");
    EXPECT_EQ(to_string(upstream_errc::tls_failed), "tls_failed");
    EXPECT_EQ(to_string(upstream_errc::connection_reset), "connection_reset");
    EXPECT_EQ(to_string(upstream_errc::timeout), "timeout");
    EXPECT_EQ(to_string(upstream_errc::invalid_response), "invalid_response");
}

TEST_F(https_client_test, gets_an_answer_over_verified_tls) {
    auto client = make_client(server_.base_url());
    const auto r = get(*client, "/catalog?x=1");
    ASSERT_EQ(r.error, upstream_errc::ok) << to_string(r.error);
    EXPECT_EQ(r.response.result_int(), 200u);
    EXPECT_EQ(r.response.body(), "hello /catalog?x=1");
    EXPECT_EQ(r.response[http::field::content_type], "application/json");
}

TEST_F(https_client_test, sets_host_and_payload_headers_and_sends_the_body) {
    auto client = make_client(server_.base_url());
    auto req = make_upstream_request(http::verb::post, "/price", R"({"formData":[]})");
    req.set(http::field::content_type, "application/json");
    req.set(http::field::connection, "close"); // the client owns the connection headers
    ASSERT_EQ(call(*client, std::move(req)).error, upstream_errc::ok);

    const auto seen = server_.requests();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].method, "POST");
    EXPECT_EQ(seen[0].target, "/price");
    EXPECT_EQ(seen[0].header("host"), "localhost:" + std::to_string(server_.port()));
    EXPECT_EQ(seen[0].header("content-length"), "15");
    EXPECT_EQ(seen[0].header("connection"), "");
    EXPECT_EQ(seen[0].body, R"({"formData":[]})");
    EXPECT_EQ(get(*client).error, upstream_errc::ok);
    EXPECT_EQ(server_.accepted_connections(), 1u);
}

TEST_F(https_client_test, verifies_an_ip_literal_against_the_certificate_ip) {
    auto client = make_client("https://127.0.0.1:" + std::to_string(server_.port()));
    const auto r = get(*client);
    ASSERT_EQ(r.error, upstream_errc::ok) << to_string(r.error);
    EXPECT_EQ(r.response.body(), "hello /");
}

TEST_F(https_client_test, an_untrusted_ca_fails_tls_and_sends_nothing) {
    const auto stranger = make_test_pki("some other CA");
    auto client = make_client(server_.base_url(), {}, make_client_tls_context({}, stranger.ca_pem));
    EXPECT_EQ(get(*client).error, upstream_errc::tls_failed);
    EXPECT_EQ(server_.request_count(), 0u);
    EXPECT_EQ(server_.accepted_connections(), 1u);
}

TEST_F(https_client_test, a_certificate_for_another_host_fails_tls_and_sends_nothing) {
    mock_server other([](const recorded_request&) { return answer("must not be asked"); },
                      make_server_tls_context(issue_server_certificate(pki_, {"other.example"})));
    auto client = make_client(other.base_url());
    EXPECT_EQ(get(*client).error, upstream_errc::tls_failed);
    EXPECT_EQ(other.request_count(), 0u);
}

TEST_F(https_client_test, an_ip_literal_not_in_the_certificate_fails_tls) {
    mock_server named_only([](const recorded_request&) { return answer("must not be asked"); },
                           make_server_tls_context(issue_server_certificate(pki_, {"localhost"})));
    auto client = make_client("https://127.0.0.1:" + std::to_string(named_only.port()));
    EXPECT_EQ(get(*client).error, upstream_errc::tls_failed);
    EXPECT_EQ(named_only.request_count(), 0u);
}

// OpenSSL writes and reads the socket itself (tls_socket): a request and an answer of many
// TLS records (16 KiB each at most) go whole, through partial writes and repeated reads.
TEST_F(https_client_test, a_request_and_an_answer_of_many_tls_records_arrive_whole) {
    std::string big_body;
    for (std::size_t i = 0; big_body.size() < 300 * 1024; ++i) {
        big_body += std::to_string(i) + ",";
    }
    server_.set_handler([](const recorded_request& req) { return answer(req.body + req.body); });
    auto client = make_client(server_.base_url());
    const auto r = call(*client, make_upstream_request(http::verb::post, "/echo", big_body));
    ASSERT_EQ(r.error, upstream_errc::ok) << to_string(r.error);
    EXPECT_EQ(r.response.body(), big_body + big_body);
    ASSERT_EQ(server_.requests().size(), 1u);
    EXPECT_EQ(server_.requests().front().body, big_body);
}

// SSL_get_error reads the thread's error queue, where another OpenSSL user on the same I/O thread
// may have left an entry (a refused signature, a failed decryption). Such a leftover must not
// turn the next read's "wait for the socket" into a TLS failure: a POST on a kept-alive
// connection, which is never retried, still gets its answer on that connection.
TEST_F(https_client_test, an_error_left_in_the_threads_openssl_queue_fails_no_exchange) {
    auto client = make_client(server_.base_url());
    ASSERT_EQ(get(*client, "/first").error, upstream_errc::ok);
    on_client_thread([] { ERR_raise(ERR_LIB_EVP, EVP_R_BAD_DECRYPT); });
    const auto r = call(*client, make_upstream_request(http::verb::post, "/second", "{}"));
    EXPECT_EQ(r.error, upstream_errc::ok) << to_string(r.error);
    EXPECT_EQ(r.response.body(), "hello /second");
    EXPECT_EQ(server_.accepted_connections(), 1u);
}

TEST_F(https_client_test, sequential_requests_reuse_one_connection) {
    auto client = make_client(server_.base_url());
    for (int i = 0; i < 20; ++i) {
        const auto r = get(*client, "/" + std::to_string(i));
        ASSERT_EQ(r.error, upstream_errc::ok) << i << ": " << to_string(r.error);
        EXPECT_EQ(r.response.body(), "hello /" + std::to_string(i));
    }
    EXPECT_EQ(server_.accepted_connections(), 1u);
    const auto s = client->snapshot();
    EXPECT_EQ(s.connections_opened, 1u);
    EXPECT_EQ(s.idle, 1u);
    EXPECT_EQ(s.busy, 0u);
    EXPECT_EQ(s.waiting, 0u);
}

TEST_F(https_client_test, concurrent_requests_beyond_the_bound_wait_for_a_connection) {
    server_.set_handler([](const recorded_request& req) {
        auto reply = answer("slow " + req.target, fault::delay);
        reply.delay = 50ms;
        return reply;
    });
    upstream_client_options opts;
    opts.max_connections = 2;
    auto client = make_client(server_.base_url(), opts);

    constexpr int n = 8;
    std::vector<std::future<upstream_result>> results;
    for (int i = 0; i < n; ++i) {
        auto done = std::make_shared<std::promise<upstream_result>>();
        results.push_back(done->get_future());
        client->async_exchange(make_upstream_request(http::verb::get, "/" + std::to_string(i)),
                               [done](upstream_result r) { done->set_value(std::move(r)); });
    }
    for (int i = 0; i < n; ++i) {
        ASSERT_EQ(results[i].wait_for(test_bound), std::future_status::ready) << i;
        const auto r = results[i].get();
        EXPECT_EQ(r.error, upstream_errc::ok) << i << ": " << to_string(r.error);
        EXPECT_EQ(r.response.body(), "slow /" + std::to_string(i));
    }
    EXPECT_LE(server_.accepted_connections(), 2u);
    EXPECT_EQ(server_.request_count(), static_cast<std::size_t>(n));
    const auto s = client->snapshot();
    EXPECT_LE(s.connections_opened, 2u);
    EXPECT_EQ(s.busy, 0u);
    EXPECT_EQ(s.waiting, 0u);
}

TEST_F(https_client_test, a_refused_connection_is_connect_failed) {
    std::uint16_t port = 0;
    {
        net::io_context ioc;
        tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
        port = acceptor.local_endpoint().port();
    }
    auto client = make_client("https://127.0.0.1:" + std::to_string(port));
    EXPECT_EQ(get(*client).error, upstream_errc::connect_failed);
    EXPECT_EQ(client->snapshot().busy, 0u);
}

TEST_F(https_client_test, an_unresolvable_host_is_connect_failed) {
    // The deadline stands still: however slow the resolver, its own answer decides.
    auto client = make_client("https://no-such-host.invalid:443", {}, {}, clock_);
    EXPECT_EQ(get(*client).error, upstream_errc::connect_failed);
}

TEST_F(https_client_test, a_hanging_upstream_times_out_at_the_deadline) {
    server_.set_handler([](const recorded_request&) { return answer("", fault::hang); });
    auto client = make_timed_client(10s);

    auto result = send(*client, make_upstream_request(http::verb::get, "/hangs"));
    ASSERT_TRUE(eventually([&] { return server_.request_count() == 1; }));
    expect_times_out_after(result, 10s);
    expect_healthy(*client, server_);
}

TEST_F(https_client_test, an_exchanges_deadline_leaves_its_connection_alone_once_it_is_over) {
    auto client = make_timed_client(10s);
    ASSERT_EQ(get(*client).error, upstream_errc::ok);
    // Past the first exchange's deadline (within the idle timeout): had its timer closed the
    // pooled connection, the next request would find it closed and open another one.
    clock_.advance(11s);
    std::this_thread::sleep_for(20ms); // room for a wrongly still armed deadline to fire
    ASSERT_EQ(get(*client).error, upstream_errc::ok);
    EXPECT_EQ(server_.accepted_connections(), 1u);
    EXPECT_EQ(client->snapshot().connections_opened, 1u);
}

// The later exchanges of a connection share its one watchdog (upstream_connection::watch):
// armed by the second exchange for its own deadline, it must not end the third one before the
// third's deadline, nor miss it.
TEST_F(https_client_test, a_hanging_upstream_on_a_reused_connection_times_out_at_its_deadline) {
    auto client = make_timed_client(10s);
    ASSERT_EQ(get(*client).error, upstream_errc::ok); // opens the connection
    ASSERT_EQ(get(*client).error, upstream_errc::ok); // reuses it: the watch ends at now + 10 s

    clock_.advance(5s);
    server_.set_handler([](const recorded_request&) { return answer("", fault::hang); });
    auto result = send(*client, make_upstream_request(http::verb::get, "/hangs"));
    ASSERT_TRUE(eventually([&] { return server_.request_count() == 3; }));
    clock_.advance(5s); // the second exchange's deadline: the watch must wait on
    EXPECT_EQ(result.wait_for(50ms), std::future_status::timeout) << "ended at an older deadline";
    expect_times_out_after(result, 5s);
    EXPECT_EQ(server_.accepted_connections(), 1u) << "the hanging exchange was not on the pool";
    expect_healthy(*client, server_);
}

TEST_F(https_client_test, a_shorter_timeout_on_a_reused_connection_ends_at_its_own_deadline) {
    auto client = make_timed_client(10s);
    ASSERT_EQ(get(*client).error, upstream_errc::ok);
    ASSERT_EQ(get(*client).error, upstream_errc::ok); // the watch waits until now + 10 s

    // A route's timeout_ms of 2 s: the watch must move its wait earlier.
    server_.set_handler([](const recorded_request&) { return answer("", fault::hang); });
    auto req = make_upstream_request(http::verb::get, "/hangs");
    req.timeout(2s);
    auto result = send(*client, std::move(req));
    ASSERT_TRUE(eventually([&] { return server_.request_count() == 3; }));
    expect_times_out_after(result, 2s);
    EXPECT_EQ(server_.accepted_connections(), 1u);
    expect_healthy(*client, server_);
}

TEST_F(https_client_test, waiting_for_a_slot_counts_against_the_deadline) {
    server_.set_handler([](const recorded_request&) { return answer("", fault::hang); });
    upstream_client_options opts;
    opts.timeout = 10s;
    opts.max_connections = 1;
    auto client = make_client(server_.base_url(), opts, {}, clock_);

    // Both requests start together; the second waits for the slot the first holds. Had its
    // deadline started only when the slot came, it would still be pending after one timeout.
    auto first = send(*client, make_upstream_request(http::verb::get, "/holds-the-slot"));
    auto second = send(*client, make_upstream_request(http::verb::get, "/waits"));
    ASSERT_TRUE(eventually([&] { return server_.request_count() == 1; }));
    ASSERT_TRUE(eventually([&] { return client->snapshot().waiting == 1; }));
    clock_.advance(10s);
    ASSERT_EQ(first.wait_for(test_bound), std::future_status::ready);
    ASSERT_EQ(second.wait_for(test_bound), std::future_status::ready);
    EXPECT_EQ(first.get().error, upstream_errc::timeout);
    EXPECT_EQ(second.get().error, upstream_errc::timeout);
    EXPECT_EQ(server_.request_count(), 1u) << "the waiter must not have been sent";
    expect_healthy(*client, server_);
}

TEST_F(https_client_test, a_connection_closed_mid_body_is_connection_reset) {
    server_.set_handler([](const recorded_request&) {
        return answer(R"({"a":"body that the server cuts in the middle"})", fault::close_mid_body);
    });
    auto client = make_client(server_.base_url());
    EXPECT_EQ(get(*client).error, upstream_errc::connection_reset);
    expect_healthy(*client, server_);
}

TEST_F(https_client_test, a_connection_closed_before_the_answer_is_connection_reset) {
    server_.set_handler(
        [](const recorded_request&) { return answer("", fault::close_before_answer); });
    auto client = make_client(server_.base_url());
    EXPECT_EQ(get(*client).error, upstream_errc::connection_reset);
    EXPECT_EQ(server_.accepted_connections(), 1u); // a fresh connection is never retried
    expect_healthy(*client, server_);
}

TEST_F(https_client_test, garbage_is_an_invalid_response) {
    server_.set_handler([](const recorded_request&) { return answer("", fault::garbage); });
    auto client = make_client(server_.base_url());
    EXPECT_EQ(get(*client).error, upstream_errc::invalid_response);
    expect_healthy(*client, server_);
}

TEST_F(https_client_test, an_answer_over_the_size_bound_is_an_invalid_response) {
    server_.set_handler([](const recorded_request&) { return answer(std::string(100000, 'x')); });
    upstream_client_options opts;
    opts.max_response_bytes = 64 * 1024;
    auto client = make_client(server_.base_url(), opts);
    EXPECT_EQ(get(*client).error, upstream_errc::invalid_response);
    expect_healthy(*client, server_);
}

TEST_F(https_client_test, headers_and_body_together_count_against_the_size_bound) {
    // The body alone fits; with the status line and headers the answer does not.
    server_.set_handler([](const recorded_request&) { return answer(std::string(1000, 'x')); });
    upstream_client_options opts;
    opts.max_response_bytes = 1000;
    auto client = make_client(server_.base_url(), opts);
    EXPECT_EQ(get(*client).error, upstream_errc::invalid_response);
}

TEST_F(https_client_test, endless_headers_are_an_invalid_response) {
    server_.set_handler([](const recorded_request&) { return answer("", fault::endless_headers); });
    upstream_client_options opts;
    opts.max_response_bytes = 64 * 1024;
    auto client = make_client(server_.base_url(), opts);
    EXPECT_EQ(get(*client).error, upstream_errc::invalid_response);
    expect_healthy(*client, server_);
}

TEST_F(https_client_test, an_endless_chunked_body_is_an_invalid_response) {
    server_.set_handler([](const recorded_request&) { return answer("", fault::endless_chunked); });
    upstream_client_options opts;
    opts.max_response_bytes = 64 * 1024;
    auto client = make_client(server_.base_url(), opts);
    EXPECT_EQ(get(*client).error, upstream_errc::invalid_response);
    expect_healthy(*client, server_);
}

TEST_F(https_client_test, an_answer_that_closes_the_connection_is_not_pooled) {
    server_.set_handler([](const recorded_request&) {
        auto reply = answer("bye");
        reply.close = true;
        return reply;
    });
    auto client = make_client(server_.base_url());
    EXPECT_EQ(get(*client).response.body(), "bye");
    EXPECT_EQ(client->snapshot().idle, 0u);
    EXPECT_EQ(get(*client).response.body(), "bye");
    EXPECT_EQ(server_.accepted_connections(), 2u);
}

TEST_F(https_client_test, reads_chunked_answers_and_reuses_their_connection) {
    raw_upstream upstream("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n"
                          "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
    auto client = make_client(upstream.base_url());
    for (int i = 0; i < 3; ++i) {
        const auto r = get(*client);
        ASSERT_EQ(r.error, upstream_errc::ok) << to_string(r.error);
        EXPECT_EQ(r.response.body(), "hello world");
    }
    EXPECT_EQ(upstream.accepted_connections(), 1u);
}

TEST_F(https_client_test, a_head_answer_has_no_body_and_keeps_the_connection) {
    raw_upstream upstream("HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n");
    auto client = make_client(upstream.base_url());
    for (int i = 0; i < 2; ++i) {
        const auto r = call(*client, make_upstream_request(http::verb::head, "/"));
        ASSERT_EQ(r.error, upstream_errc::ok) << to_string(r.error);
        EXPECT_EQ(r.response[http::field::content_length], "42");
        EXPECT_EQ(r.response.body(), "");
    }
    EXPECT_EQ(upstream.accepted_connections(), 1u);
}

TEST_F(https_client_test, a_connection_with_bytes_past_the_answer_is_not_reused) {
    raw_upstream upstream("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK");
    auto client = make_client(upstream.base_url());
    for (int i = 0; i < 2; ++i) {
        const auto r = get(*client);
        ASSERT_EQ(r.error, upstream_errc::ok) << to_string(r.error);
        EXPECT_EQ(r.response.body(), "ok");
    }
    EXPECT_EQ(upstream.accepted_connections(), 2u);
}

// A GET is not checked before it is written (only a POST is): it goes out on the closed
// connection, fails before any answer byte and is sent again on a fresh one. Writing to the
// closed connection must not raise SIGPIPE, which would end the process (it did, with OpenSSL's
// own socket BIO, before tls_socket's sends with MSG_NOSIGNAL).
TEST_F(https_client_test, a_get_on_a_connection_closed_while_idle_is_retried_on_a_fresh_one) {
    auto client = make_client(server_.base_url());
    ASSERT_EQ(get(*client).error, upstream_errc::ok);
    ASSERT_TRUE(eventually([&] {
        server_.close_idle_connections();
        return server_.open_connections() == 0;
    }));

    const auto r = get(*client, "/again");
    ASSERT_EQ(r.error, upstream_errc::ok) << to_string(r.error);
    EXPECT_EQ(r.response.body(), "hello /again");
    EXPECT_EQ(server_.accepted_connections(), 2u);
    EXPECT_EQ(client->snapshot().connections_opened, 2u);
}

// A POST is never sent twice, so a pooled connection is checked before it is written to: one the
// upstream already closed is replaced by a fresh connection and the POST goes out once.
TEST_F(https_client_test, a_post_after_the_upstream_closed_the_idle_connection_goes_out_once) {
    auto client = make_client(server_.base_url());
    ASSERT_EQ(get(*client).error, upstream_errc::ok);
    // The answer may still be on its way out when close_idle_connections runs: wait until the
    // upstream has really closed, as a pooled connection closed while idle would be.
    ASSERT_TRUE(eventually([&] {
        server_.close_idle_connections();
        return server_.open_connections() == 0;
    }));

    EXPECT_EQ(call(*client, make_upstream_request(http::verb::post, "/price", "{}")).error,
              upstream_errc::ok);
    EXPECT_EQ(server_.request_count(), 2u);
    EXPECT_EQ(server_.accepted_connections(), 2u);
    expect_healthy(*client, server_);
}

TEST_F(https_client_test, idle_connections_are_closed_after_the_idle_timeout) {
    upstream_client_options opts;
    opts.idle_timeout = 30s;
    auto client = make_client(server_.base_url(), opts, {}, clock_);
    ASSERT_EQ(get(*client).error, upstream_errc::ok);
    clock_.advance(30s - 1ms);
    std::this_thread::sleep_for(20ms); // room for a sweep that came too early
    EXPECT_EQ(client->snapshot().idle, 1u);
    clock_.advance(1ms);
    EXPECT_TRUE(eventually([&] { return client->snapshot().idle == 0; }));
    ASSERT_EQ(get(*client).error, upstream_errc::ok);
    EXPECT_EQ(server_.accepted_connections(), 2u);
}

TEST_F(https_client_test, shutdown_fails_waiters_and_later_requests) {
    server_.set_handler([](const recorded_request&) { return answer("", fault::hang); });
    upstream_client_options opts;
    opts.max_connections = 1;
    auto client = make_client(server_.base_url(), opts);
    auto hanging = std::make_shared<std::promise<upstream_result>>();
    auto waiting = std::make_shared<std::promise<upstream_result>>();
    auto hanging_done = hanging->get_future();
    auto waiting_done = waiting->get_future();
    client->async_exchange(make_upstream_request(http::verb::get, "/hangs"),
                           [hanging](upstream_result r) { hanging->set_value(std::move(r)); });
    client->async_exchange(make_upstream_request(http::verb::get, "/waits"),
                           [waiting](upstream_result r) { waiting->set_value(std::move(r)); });
    ASSERT_TRUE(eventually([&] { return server_.request_count() == 1; }));
    ASSERT_TRUE(eventually([&] { return client->snapshot().waiting == 1; }));

    client->shutdown();
    ASSERT_EQ(waiting_done.wait_for(test_bound), std::future_status::ready);
    EXPECT_EQ(waiting_done.get().error, upstream_errc::connect_failed);
    EXPECT_EQ(get(*client).error, upstream_errc::connect_failed);
    server_.stop(); // ends the hanging exchange
    ASSERT_EQ(hanging_done.wait_for(test_bound), std::future_status::ready);
    EXPECT_EQ(hanging_done.get().error, upstream_errc::connection_reset);
    EXPECT_EQ(client->snapshot().busy, 0u);
}

TEST(make_client_tls_context, names_a_ca_file_it_cannot_load) {
    try {
        make_client_tls_context("/nonexistent/ca-bundle.pem");
        FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/ca-bundle.pem"), std::string::npos);
    }
}

TEST(make_client_tls_context, refuses_an_extra_ca_that_is_not_pem) {
    EXPECT_THROW(make_client_tls_context({}, "not a certificate"), std::runtime_error);
}

} // namespace
} // namespace kore_gateway
