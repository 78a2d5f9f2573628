// The session alone, on a connected loopback socket pair that one io_context drives, with a
// recording request_handler. Beast's test stream cannot stand in for the socket: session is
// built on a tcp socket of an io_context executor (session::socket_type) and writes to it
// directly. So the failures a fail_count would inject are made by the client instead: a reset
// (SO_LINGER 0) before the first byte, mid-header, mid-body, before the answer is written and
// between two requests.
#include "kore_gateway/server/session.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kore_gateway/metrics/gateway_metrics.hpp"
#include "support/test_client.hpp"
#include "unit/server/recording_handler.hpp"

namespace kore_gateway {
namespace {

using namespace std::chrono_literals;
using testing::recording_handler;
using testing::test_response;

// Only catches a hang: every wait below ends on an event long before.
constexpr auto hang_bound = 10s;

std::string get(std::string_view target, std::string_view version = "1.1",
                std::string_view extra = "") {
    return "GET " + std::string(target) + " HTTP/" + std::string(version) + "\r\nHost: gw\r\n" +
           std::string(extra) + "\r\n";
}

class session_test : public ::testing::Test {
protected:
    // A fresh connection whose server side runs a session with handler.
    void start(request_handler& handler) {
        client_ = tcp::socket(ioc_);
        client_buffer_.clear();
        client_.connect(acceptor_.local_endpoint());
        session::socket_type server(ioc_);
        acceptor_.accept(server);
        ASSERT_TRUE(tracker_.try_reserve());
        auto connection = std::make_shared<session>(std::move(server), handler, limits_, tracker_);
        tracker_.attach(connection);
        connection->run();
        session_ = connection;
    }

    // Runs whatever is ready now.
    void poll() {
        ioc_.restart();
        ioc_.poll();
    }

    void send(const std::string& bytes) { net::write(client_, net::buffer(bytes)); }

    // Runs the io_context until done() holds; false when it never does.
    bool run_until(const std::function<bool()>& done) {
        const auto deadline = std::chrono::steady_clock::now() + hang_bound;
        while (!done()) {
            // Out of work earlier (a held request leaves the session waiting on nothing) stops
            // the context; what was posted since must still run.
            ioc_.restart();
            if (ioc_.run_one_until(deadline) == 0) {
                return done();
            }
        }
        return true;
    }

    // The result of the client's read in progress; a read still waiting at the hang bound is
    // cancelled first, so that it never completes into a finished test's variables.
    error_code client_read_result(std::optional<error_code>& result) {
        if (!run_until([&] { return result.has_value(); })) {
            ADD_FAILURE() << "the client's read did not complete";
            client_.cancel();
            run_until([&] { return result.has_value(); });
        }
        return result.value_or(net::error::operation_aborted);
    }

    // The next answer on the client's side; nullopt when the connection ended first.
    std::optional<test_response> read_answer() {
        http::response_parser<http::string_body> parser;
        std::optional<error_code> result;
        http::async_read(client_, client_buffer_, parser,
                         [&](error_code ec, std::size_t) { result = ec; });
        if (client_read_result(result)) {
            return std::nullopt;
        }
        return parser.release();
    }

    // True when the server closed the connection with nothing more to read.
    bool closed_by_server() {
        std::optional<error_code> result;
        char byte = 0;
        client_.async_read_some(net::buffer(&byte, 1),
                                [&](error_code ec, std::size_t) { result = ec; });
        const auto ec = client_read_result(result);
        return client_buffer_.size() == 0 &&
               (ec == net::error::eof || ec == net::error::connection_reset);
    }

    // Resets the connection from the client's side: the session's next read or write fails.
    void reset_connection() {
        client_.set_option(net::socket_base::linger(true, 0));
        client_.close();
    }

    // The session is gone and its slot given back (its own and any earlier connection's).
    bool session_ended() {
        return run_until([&] { return session_.expired() && tracker_.open() == 0; });
    }

    void drain_session() {
        const auto connection = session_.lock();
        ASSERT_TRUE(connection);
        connection->drain();
    }

    gateway_metrics metrics_;
    const session_limits limits_{64, 1024, 30s, 30s};
    connection_tracker tracker_{4, metrics_};
    recording_handler handler_;
    recording_handler holding_{true};
    net::io_context ioc_; // after what sessions use: destroying it ends them
    tcp::acceptor acceptor_{ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)};
    tcp::socket client_{ioc_};
    beast::flat_buffer client_buffer_;
    std::weak_ptr<session> session_;
};

TEST_F(session_test, hands_on_a_request_with_its_client_address_and_writes_its_answer) {
    start(handler_);
    send("POST /echo HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\n\r\nhello");
    const auto answer = read_answer();
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->result_int(), 200u);
    EXPECT_EQ(answer->body(), "/echo");
    EXPECT_EQ((*answer)[http::field::content_length], "5");
    EXPECT_FALSE((*answer)[http::field::date].empty());
    const auto seen = handler_.requests();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].method, "POST");
    EXPECT_EQ(seen[0].target, "/echo");
    EXPECT_EQ(seen[0].body, "hello");
    EXPECT_EQ(seen[0].client_ip, "127.0.0.1");
    EXPECT_TRUE(handler_.rejections().empty());
}

TEST_F(session_test, an_absolute_form_target_is_handed_on_in_origin_form) {
    start(handler_);
    send(get("http://gw.example/deals/7?x=1"));
    ASSERT_TRUE(read_answer());
    ASSERT_EQ(handler_.requests().size(), 1u);
    EXPECT_EQ(handler_.requests()[0].target, "/deals/7?x=1");
}

TEST_F(session_test, pipelined_requests_are_handed_on_one_at_a_time_and_answered_in_order) {
    start(holding_);
    send(get("/1") + get("/2") + get("/3"));
    ASSERT_TRUE(run_until([&] { return holding_.held() == 1; }));
    poll();
    EXPECT_EQ(holding_.requests().size(), 1u) << "the next request came before an answer";
    for (std::size_t answered = 1; answered <= 3; ++answered) {
        holding_.answer_next();
        if (answered < 3) {
            ASSERT_TRUE(run_until([&] { return holding_.held() == 1; }));
            EXPECT_EQ(holding_.requests().size(), answered + 1);
        }
    }
    for (const auto* target : {"/1", "/2", "/3"}) {
        const auto answer = read_answer();
        ASSERT_TRUE(answer) << target;
        EXPECT_EQ(answer->body(), target);
        EXPECT_TRUE(answer->keep_alive()) << target;
    }
}

TEST_F(session_test, keeps_the_connection_as_the_request_asks) {
    struct keep_alive_case {
        std::string version;
        std::string connection;
        bool kept;
    };
    const std::vector<keep_alive_case> cases{
        {"1.1", "", true},
        {"1.1", "Connection: close\r\n", false},
        {"1.0", "", false},
        {"1.0", "Connection: keep-alive\r\n", true},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE("HTTP/" + c.version + " " + c.connection);
        start(handler_);
        send(get("/first", c.version, c.connection));
        const auto answer = read_answer();
        ASSERT_TRUE(answer);
        EXPECT_EQ(answer->version(), c.version == "1.1" ? 11u : 10u);
        EXPECT_EQ(answer->keep_alive(), c.kept);
        if (c.kept) {
            send(get("/second"));
            const auto next = read_answer();
            ASSERT_TRUE(next) << "a kept connection was closed";
            EXPECT_EQ(next->body(), "/second");
        } else {
            EXPECT_TRUE(closed_by_server());
            EXPECT_TRUE(session_ended());
        }
    }
}

// Each is refused before a handler sees it, answered with the handler's rejection and closed: a
// request pipelined behind it is never read (it could be the smuggled half of an attack).
TEST_F(session_test, a_refused_request_is_answered_and_closes_the_connection) {
    struct refusal_case {
        std::string name;
        std::string bytes;
        rejection why;
    };
    const std::vector<refusal_case> cases{
        {"Transfer-Encoding with Content-Length",
         "POST /a HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: gzip\r\nContent-Length: 5\r\n\r\n"
         "GET /",
         rejection::bad_header},
        {"Content-Length then Transfer-Encoding (the parser's refusal)",
         "POST /a HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
         "0\r\n\r\n",
         rejection::malformed},
        {"a coding besides chunked",
         "POST /a HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
         rejection::not_implemented},
        {"no Host", "GET /a HTTP/1.1\r\n\r\n", rejection::bad_header},
        {"Content-Length over the body limit",
         "POST /a HTTP/1.1\r\nHost: gw\r\nContent-Length: 65\r\n\r\n" + std::string(65, 'x'),
         rejection::body_too_big},
        {"chunked body over the body limit",
         "POST /a HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n41\r\n" +
             std::string(65, 'x') + "\r\n0\r\n\r\n",
         rejection::body_too_big},
        {"header over the header limit",
         "GET /a HTTP/1.1\r\nHost: gw\r\nX-Big: " + std::string(1100, 'b') + "\r\n\r\n",
         rejection::headers_too_big},
        {"not HTTP", "HELLO THERE\r\n\r\n", rejection::malformed},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        recording_handler handler;
        start(handler);
        send(c.bytes + get("/next"));
        const auto answer = read_answer();
        ASSERT_TRUE(answer);
        EXPECT_EQ(answer->result(), recording_handler::status_of(c.why));
        EXPECT_FALSE(answer->keep_alive());
        EXPECT_TRUE(closed_by_server());
        ASSERT_TRUE(session_ended());
        EXPECT_TRUE(handler.requests().empty()) << handler.requests()[0].target;
        EXPECT_EQ(handler.rejections(), std::vector<rejection>{c.why});
    }
}

TEST_F(session_test, a_body_at_the_limit_is_handed_on) {
    start(handler_);
    send("PUT /a HTTP/1.1\r\nHost: gw\r\nContent-Length: 64\r\n\r\n" + std::string(64, 'x'));
    const auto answer = read_answer();
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->result_int(), 200u);
    ASSERT_EQ(handler_.requests().size(), 1u);
    EXPECT_EQ(handler_.requests()[0].body.size(), 64u);
}

// What a fail_count on the Nth operation of Beast's test stream would do: whichever read or
// write fails, the session ends without a rejection and hands on nothing more.
TEST_F(session_test, a_connection_failing_at_any_step_ends_the_session_quietly) {
    enum class step { before_first_byte, mid_header, mid_body, writing_answer, between_requests };
    struct failure_case {
        std::string name;
        step when;
        std::size_t handed_on;
    };
    const std::vector<failure_case> cases{
        {"before the first byte", step::before_first_byte, 0},
        {"in the middle of the header", step::mid_header, 0},
        {"in the middle of the body", step::mid_body, 0},
        {"while the answer is written", step::writing_answer, 1},
        {"between two requests", step::between_requests, 1},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        recording_handler handler(true);
        start(handler);
        switch (c.when) {
        case step::before_first_byte:
            break;
        case step::mid_header:
            send("GET /a HTTP/1.1\r\nHo");
            break;
        case step::mid_body:
            send("POST /a HTTP/1.1\r\nHost: gw\r\nContent-Length: 10\r\n\r\nhalf");
            break;
        case step::writing_answer:
        case step::between_requests:
            send(get("/a"));
            ASSERT_TRUE(run_until([&] { return handler.held() == 1; }));
            break;
        }
        if (c.when == step::between_requests) {
            handler.answer_next();
            ASSERT_TRUE(read_answer());
        }
        poll(); // the session takes what was sent before the reset
        reset_connection();
        if (c.when == step::writing_answer) {
            handler.answer_next();
        }
        ASSERT_TRUE(session_ended());
        EXPECT_EQ(handler.requests().size(), c.handed_on);
        EXPECT_TRUE(handler.rejections().empty());
    }
}

TEST_F(session_test, a_client_that_closes_between_requests_gets_no_answer) {
    start(handler_);
    client_.shutdown(tcp::socket::shutdown_send);
    EXPECT_TRUE(closed_by_server());
    EXPECT_TRUE(session_ended());
    EXPECT_TRUE(handler_.requests().empty());
    EXPECT_TRUE(handler_.rejections().empty());
}

TEST_F(session_test, a_request_cut_short_by_end_of_stream_is_refused_as_malformed) {
    start(handler_);
    send("POST /a HTTP/1.1\r\nHost: gw\r\nContent-Length: 10\r\n\r\nhalf");
    client_.shutdown(tcp::socket::shutdown_send);
    const auto answer = read_answer();
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->result_int(), 400u);
    EXPECT_TRUE(session_ended());
    EXPECT_TRUE(handler_.requests().empty());
    EXPECT_EQ(handler_.rejections(), std::vector<rejection>{rejection::malformed});
}

TEST_F(session_test, expect_100_continue_is_answered_before_the_body_is_read) {
    start(handler_);
    send("POST /upload HTTP/1.1\r\nHost: gw\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
    const auto interim = read_answer();
    ASSERT_TRUE(interim);
    EXPECT_EQ(interim->result(), http::status::continue_);
    EXPECT_TRUE(handler_.requests().empty());
    send("data");
    const auto answer = read_answer();
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->result_int(), 200u);
    EXPECT_TRUE(answer->keep_alive());
    ASSERT_EQ(handler_.requests().size(), 1u);
    EXPECT_EQ(handler_.requests()[0].body, "data");
}

TEST_F(session_test, a_request_its_header_decides_is_answered_without_reading_the_body) {
    start(handler_);
    send("POST /early HTTP/1.1\r\nHost: gw\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
    const auto answer = read_answer(); // the final answer, with no 100 Continue before it
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->result_int(), 404u);
    EXPECT_FALSE(answer->keep_alive());
    EXPECT_TRUE(closed_by_server());
    EXPECT_EQ(handler_.early_answers(), 1u);
    EXPECT_TRUE(handler_.requests().empty());
}

TEST_F(session_test, a_drain_closes_an_idle_connection_at_once) {
    start(handler_);
    send(get("/a"));
    ASSERT_TRUE(read_answer());
    drain_session();
    EXPECT_TRUE(closed_by_server());
    EXPECT_TRUE(session_ended());
}

TEST_F(session_test, a_drain_lets_the_request_in_progress_finish_with_connection_close) {
    start(holding_);
    send(get("/a"));
    ASSERT_TRUE(run_until([&] { return holding_.held() == 1; }));
    drain_session();
    poll();
    EXPECT_FALSE(session_.expired()) << "the drain dropped the request in progress";
    holding_.answer_next();
    const auto answer = read_answer();
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->body(), "/a");
    EXPECT_FALSE(answer->keep_alive());
    EXPECT_TRUE(closed_by_server());
    EXPECT_TRUE(session_ended());
}

} // namespace
} // namespace kore_gateway
