#include "kore_gateway/mock/mock_server.hpp"

#include <string>

#include <gtest/gtest.h>

#include "kore_gateway/mock/test_certificates.hpp"
#include "support/eventually.hpp"
#include "support/test_client.hpp"

namespace kore_gateway {
namespace {

using namespace kore_gateway::testing;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

mock_reply reply_with(std::string body) {
    mock_reply reply;
    reply.body = std::move(body);
    return reply;
}

mock_reply faulty(fault what, std::string body = R"({"answer":"a body of some length"})",
                  std::chrono::milliseconds delay = 0ms) {
    mock_reply reply = reply_with(std::move(body));
    reply.what = what;
    reply.delay = delay;
    return reply;
}

// Waits (bounded) until the server has read n requests.
bool wait_for_requests(const mock_server& server, std::size_t n) {
    return eventually([&server, n] { return server.request_count() >= n; }, 3s);
}

TEST(mock_server, answers_and_records_a_plain_request) {
    mock_server server([](const recorded_request& req) { return reply_with("echo " + req.body); });
    EXPECT_EQ(server.base_url(), "http://127.0.0.1:" + std::to_string(server.port()));

    test_client client(server.port());
    client.send(http::verb::post, "/things/1?x=y", {{"X-Custom-Header", "Value"}}, "hello");
    test_response res;
    ASSERT_FALSE(client.read(res));
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_EQ(res[http::field::content_type], "application/json");
    EXPECT_EQ(res.body(), "echo hello");

    ASSERT_EQ(server.request_count(), 1u);
    auto req = server.requests().at(0);
    EXPECT_EQ(req.method, "POST");
    EXPECT_EQ(req.target, "/things/1?x=y");
    EXPECT_EQ(req.path(), "/things/1");
    EXPECT_EQ(req.body, "hello");
    EXPECT_EQ(req.headers.at("x-custom-header"), "Value");
    EXPECT_EQ(req.header("x-custom-header"), "Value");
    EXPECT_EQ(req.header("content-length"), "5");
    EXPECT_EQ(req.header("absent"), "");
    EXPECT_EQ(server.accepted_connections(), 1u);
}

TEST(mock_server, keeps_only_the_last_requests_but_counts_all) {
    mock_server server([](const recorded_request&) { return reply_with(""); });
    test_client client(server.port());
    const std::size_t total = mock_server::max_recorded_requests + 2;
    for (std::size_t i = 0; i < total; ++i) {
        client.send(http::verb::get, "/" + std::to_string(i));
        test_response res;
        ASSERT_FALSE(client.read(res));
    }
    EXPECT_EQ(server.request_count(), total);
    auto kept = server.requests();
    ASSERT_EQ(kept.size(), mock_server::max_recorded_requests);
    EXPECT_EQ(kept.front().target, "/2");
    EXPECT_EQ(kept.back().target, "/" + std::to_string(total - 1));
}

TEST(mock_server, sends_status_content_type_and_extra_headers) {
    mock_server server([](const recorded_request&) {
        mock_reply reply;
        reply.status = 418;
        reply.content_type = "text/plain";
        reply.body = "teapot";
        reply.headers = {{"Cache-Control", "no-store"}, {"X-Extra", "1"}};
        return reply;
    });
    auto res = fetch(server.port(), http::verb::get, "/");
    EXPECT_EQ(res.result_int(), 418u);
    EXPECT_EQ(res[http::field::content_type], "text/plain");
    EXPECT_EQ(res[http::field::cache_control], "no-store");
    EXPECT_EQ(res["X-Extra"], "1");
    EXPECT_EQ(res.body(), "teapot");
}

TEST(mock_server, keep_alive_reuses_one_connection) {
    mock_server server([](const recorded_request& req) { return reply_with(req.target); });
    test_client client(server.port());
    for (std::string target : {"/a", "/b", "/c"}) {
        client.send(http::verb::get, target);
        test_response res;
        ASSERT_FALSE(client.read(res));
        EXPECT_EQ(res.body(), target);
        EXPECT_TRUE(res.keep_alive());
    }
    EXPECT_EQ(server.request_count(), 3u);
    EXPECT_EQ(server.accepted_connections(), 1u);
}

TEST(mock_server, close_flag_ends_the_connection_after_the_answer) {
    mock_server server([](const recorded_request&) {
        mock_reply reply = reply_with("bye");
        reply.close = true;
        return reply;
    });
    test_client client(server.port());
    client.send(http::verb::get, "/");
    test_response res;
    ASSERT_FALSE(client.read(res));
    EXPECT_EQ(res.body(), "bye");
    EXPECT_FALSE(res.keep_alive());
    EXPECT_EQ(client.read(res), http::error::end_of_stream);
}

TEST(mock_server, set_handler_swaps_the_answers) {
    mock_server server([](const recorded_request&) { return reply_with("first"); });
    EXPECT_EQ(fetch(server.port(), http::verb::get, "/").body(), "first");
    server.set_handler([](const recorded_request&) { return reply_with("second"); });
    EXPECT_EQ(fetch(server.port(), http::verb::get, "/").body(), "second");
    EXPECT_EQ(server.accepted_connections(), 2u);
}

TEST(mock_server, a_handler_keeps_its_state_between_requests) {
    mock_server server([count = 0](const recorded_request&) mutable {
        return reply_with(std::to_string(++count));
    });
    EXPECT_EQ(fetch(server.port(), http::verb::get, "/").body(), "1");
    EXPECT_EQ(fetch(server.port(), http::verb::get, "/").body(), "2");
}

TEST(mock_server, a_throwing_handler_gives_500) {
    mock_server server([](const recorded_request&) -> mock_reply {
        throw std::runtime_error("broken test handler");
    });
    auto res = fetch(server.port(), http::verb::get, "/");
    EXPECT_EQ(res.result_int(), 500u);
    EXPECT_NE(res.body().find("broken test handler"), std::string::npos);
}

TEST(mock_server, a_status_beyond_http_gives_500) {
    mock_server server([](const recorded_request&) {
        mock_reply reply;
        reply.status = 1000;
        return reply;
    });
    EXPECT_EQ(fetch(server.port(), http::verb::get, "/").result_int(), 500u);
}

TEST(mock_server, close_idle_connections_closes_waiting_keep_alive_connections) {
    mock_server server([](const recorded_request&) { return reply_with("ok"); });
    test_client client(server.port());
    client.send(http::verb::get, "/");
    test_response res;
    ASSERT_FALSE(client.read(res));
    ASSERT_TRUE(res.keep_alive());

    server.close_idle_connections();
    EXPECT_EQ(client.read(res), http::error::end_of_stream);
    // The server itself keeps serving new connections.
    EXPECT_EQ(fetch(server.port(), http::verb::get, "/").body(), "ok");
}

TEST(mock_server, close_idle_connections_spares_a_connection_being_answered) {
    mock_server server([](const recorded_request&) { return reply_with("late"); });
    server.hold_answers();
    test_client client(server.port());
    client.send(http::verb::get, "/");
    ASSERT_TRUE(wait_for_requests(server, 1));
    ASSERT_EQ(server.held_answers(), 1u);
    server.close_idle_connections();
    server.release_answers();
    test_response res;
    ASSERT_FALSE(client.read(res));
    EXPECT_EQ(res.body(), "late");
}

class mock_server_tls : public ::testing::Test {
protected:
    test_pki pki_ = make_test_pki();
    mock_server server_{[](const recorded_request& req) { return reply_with("tls " + req.target); },
                        make_server_tls_context(pki_.server)};
};

TEST_F(mock_server_tls, answers_over_verified_tls) {
    EXPECT_EQ(server_.base_url(), "https://localhost:" + std::to_string(server_.port()));
    auto res = fetch({server_.base_url(), pki_.ca_pem}, http::verb::get, "/secure");
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_EQ(res.body(), "tls /secure");
    EXPECT_EQ(server_.requests().at(0).target, "/secure");
}

TEST_F(mock_server_tls, keep_alive_over_tls) {
    test_client client({server_.base_url(), pki_.ca_pem});
    for (int i = 0; i < 2; ++i) {
        client.send(http::verb::get, "/again");
        test_response res;
        ASSERT_FALSE(client.read(res));
        EXPECT_EQ(res.body(), "tls /again");
    }
    EXPECT_EQ(server_.accepted_connections(), 1u);
}

TEST_F(mock_server_tls, a_client_trusting_another_ca_fails_and_is_counted) {
    EXPECT_TRUE(connect_error({server_.base_url(), make_test_pki().ca_pem}));
    // The failed handshake did not hurt the server.
    auto res = fetch({server_.base_url(), pki_.ca_pem}, http::verb::get, "/");
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_EQ(server_.accepted_connections(), 2u);
    EXPECT_EQ(server_.request_count(), 1u);
}

TEST_F(mock_server_tls, a_plain_client_gets_no_answer) {
    test_client plain(server_.port());
    plain.send(http::verb::get, "/");
    test_response res;
    auto ec = plain.read(res);
    EXPECT_TRUE(ec);
    EXPECT_NE(ec, beast::error::timeout);
    EXPECT_EQ(server_.request_count(), 0u);
}

TEST(mock_server_tls_names, a_certificate_for_another_name_fails_host_verification) {
    auto pki = make_test_pki();
    mock_server server([](const recorded_request&) { return reply_with("x"); },
                       make_server_tls_context(issue_server_certificate(pki, {"wrong.example"})));
    EXPECT_TRUE(connect_error({server.port(), tls_options{pki.ca_pem, "localhost"}}));
    EXPECT_FALSE(connect_error({server.port(), tls_options{pki.ca_pem, "wrong.example"}}));
}

// Sends one request to a server whose handler answers with reply, returns the client to read.
class mock_server_faults : public ::testing::Test {
protected:
    void answer_with(mock_reply reply) {
        server_.set_handler([reply](const recorded_request&) { return reply; });
    }
    void send() { client_.send(http::verb::get, "/fault"); }
    // The connection ended without an answer.
    static ::testing::AssertionResult ended(error_code ec) {
        if (ec == http::error::end_of_stream || ec == net::error::connection_reset) {
            return ::testing::AssertionSuccess();
        }
        return ::testing::AssertionFailure() << ec.message();
    }

    mock_server server_{[](const recorded_request&) { return reply_with("unset"); }};
    test_client client_{server_.port()};
};

TEST_F(mock_server_faults, close_before_answer) {
    answer_with(faulty(fault::close_before_answer));
    send();
    test_response res;
    EXPECT_EQ(client_.read(res), http::error::end_of_stream);
    EXPECT_EQ(server_.request_count(), 1u);
}

TEST_F(mock_server_faults, close_mid_body) {
    answer_with(faulty(fault::close_mid_body, std::string(1000, 'b')));
    send();
    http::response_parser<http::string_body> parser;
    EXPECT_EQ(client_.read(parser), http::error::partial_message);
    ASSERT_TRUE(parser.is_header_done());
    EXPECT_EQ(parser.get()[http::field::content_length], "1000");
}

TEST_F(mock_server_faults, close_mid_body_with_an_empty_body_still_cuts_a_body) {
    answer_with(faulty(fault::close_mid_body, ""));
    send();
    test_response res;
    EXPECT_EQ(client_.read(res), http::error::partial_message);
}

TEST_F(mock_server_faults, garbage) {
    answer_with(faulty(fault::garbage));
    send();
    std::string raw;
    auto ec = client_.read_raw(raw);
    EXPECT_EQ(ec, net::error::eof);
    EXPECT_FALSE(raw.empty());
    EXPECT_NE(raw.rfind("HTTP/", 0), 0u);

    test_client parsing(server_.port());
    parsing.send(http::verb::get, "/");
    test_response res;
    ec = parsing.read(res);
    EXPECT_TRUE(ec);
    EXPECT_NE(ec, beast::error::timeout);
}

TEST_F(mock_server_faults, delay_answers_late) {
    answer_with(faulty(fault::delay, "slow", 300ms));
    auto start = steady::now();
    send();
    test_response res;
    ASSERT_FALSE(client_.read(res));
    EXPECT_EQ(res.body(), "slow");
    EXPECT_GE(steady::now() - start, 300ms);
}

TEST_F(mock_server_faults, delay_does_not_block_other_connections) {
    server_.set_handler([](const recorded_request& req) {
        return req.target == "/slow" ? faulty(fault::delay, "slow", 10s) : reply_with("fast");
    });
    client_.send(http::verb::get, "/slow");
    ASSERT_TRUE(wait_for_requests(server_, 1));

    // A thread sleeping through the delay could not answer this within the client's deadline.
    EXPECT_EQ(fetch(server_.port(), http::verb::get, "/fast").body(), "fast");
    // The slow answer was still pending: stopping the server ends its connection unanswered.
    server_.stop();
    test_response res;
    EXPECT_TRUE(ended(client_.read(res)));
}

TEST_F(mock_server_faults, delay_field_without_fault_delays_too) {
    auto reply = reply_with("later");
    reply.delay = 300ms;
    answer_with(reply);
    auto start = steady::now();
    send();
    test_response res;
    ASSERT_FALSE(client_.read(res));
    EXPECT_EQ(res.body(), "later");
    EXPECT_GE(steady::now() - start, 300ms);
}

TEST_F(mock_server_faults, hang_never_answers_until_stop) {
    answer_with(faulty(fault::hang));
    send();
    test_client second(server_.port());
    second.send(http::verb::get, "/");
    ASSERT_TRUE(wait_for_requests(server_, 2));

    server_.stop();
    // Neither connection got an answer before stop() ended it.
    test_response res;
    EXPECT_TRUE(ended(client_.read(res)));
    EXPECT_TRUE(ended(second.read(res)));
}

TEST_F(mock_server_faults, held_answers_wait_for_release_and_later_ones_do_not) {
    server_.set_handler([](const recorded_request& req) { return reply_with("to " + req.target); });
    server_.hold_answers();
    send();
    test_client second(server_.port());
    second.send(http::verb::get, "/second");
    ASSERT_TRUE(wait_for_requests(server_, 2));
    EXPECT_EQ(server_.held_answers(), 2u);
    EXPECT_EQ(client_.stream().socket().available(), 0u);

    server_.release_answers();
    test_response res;
    ASSERT_FALSE(second.read(res));
    EXPECT_EQ(res.body(), "to /second");
    ASSERT_FALSE(client_.read(res));
    EXPECT_EQ(res.body(), "to /fault");
    EXPECT_EQ(server_.held_answers(), 0u);
    // No longer holding: the next request on the same connection is answered at once.
    second.send(http::verb::get, "/third");
    ASSERT_FALSE(second.read(res));
    EXPECT_EQ(res.body(), "to /third");
}

TEST_F(mock_server_faults, a_held_fault_happens_once_released) {
    answer_with(faulty(fault::close_before_answer));
    server_.hold_answers();
    send();
    ASSERT_TRUE(wait_for_requests(server_, 1));
    EXPECT_EQ(server_.held_answers(), 1u);
    server_.release_answers();
    test_response res;
    EXPECT_EQ(client_.read(res), http::error::end_of_stream);
}

TEST_F(mock_server_faults, stop_ends_a_held_answer) {
    answer_with(reply_with("never sent"));
    server_.hold_answers();
    send();
    ASSERT_TRUE(wait_for_requests(server_, 1));
    server_.stop();
    test_response res;
    EXPECT_TRUE(ended(client_.read(res)));
}

TEST_F(mock_server_faults, wrong_content_length) {
    answer_with(faulty(fault::wrong_content_length, "short", 300ms));
    auto start = steady::now();
    send();
    http::response_parser<http::string_body> parser;
    EXPECT_EQ(client_.read(parser), http::error::partial_message);
    EXPECT_GE(steady::now() - start, 300ms);
    EXPECT_EQ(parser.get()[http::field::content_length], "105");
}

TEST_F(mock_server_faults, endless_headers) {
    answer_with(faulty(fault::endless_headers));
    send();
    http::response_parser<http::string_body> parser;
    parser.header_limit(64 * 1024);
    EXPECT_EQ(client_.read(parser), http::error::header_limit);
}

TEST_F(mock_server_faults, endless_chunked) {
    answer_with(faulty(fault::endless_chunked));
    send();
    http::response_parser<http::string_body> parser;
    parser.body_limit(256 * 1024);
    EXPECT_EQ(client_.read(parser), http::error::body_limit);
    EXPECT_TRUE(parser.chunked());
}

TEST_F(mock_server_faults, trickle_sends_an_endless_header_a_byte_per_delay) {
    answer_with(faulty(fault::trickle, "", 10ms));
    const auto start = steady::now();
    send();
    std::string bytes(40, '\0');
    net::read(client_.stream(), net::buffer(bytes));
    // A lower bound only: the 40 bytes cannot have come sooner than 39 pauses.
    EXPECT_GE(steady::now() - start, 390ms);
    EXPECT_EQ(bytes, "HTTP/1.1 200 OK\r\nX-Trickle: slow\r\nX-Tric");
    // Still trickling: the header never ends.
    EXPECT_EQ(net::read(client_.stream(), net::buffer(bytes.data(), 1)), 1u);
}

TEST_F(mock_server_faults, stop_ends_an_endless_answer_nobody_reads) {
    answer_with(faulty(fault::endless_chunked));
    send();
    // The answer is flowing: stop() finds a write under way.
    ASSERT_TRUE(eventually([this] { return client_.stream().socket().available() > 0; }));
    server_.stop();
    std::string raw;
    const auto ec = client_.read_raw(raw);
    EXPECT_TRUE(ec == net::error::eof || ec == net::error::connection_reset) << ec.message();
}

TEST_F(mock_server_faults, raw_writes_the_bytes_given_and_keeps_the_connection) {
    answer_with(faulty(fault::raw, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                   "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"));
    send();
    http::response_parser<http::string_body> parser;
    ASSERT_FALSE(client_.read(parser));
    EXPECT_TRUE(parser.chunked());
    EXPECT_EQ(parser.get().body(), "abcde");

    client_.send(http::verb::get, "/again");
    test_response res;
    ASSERT_FALSE(client_.read(res));
    EXPECT_EQ(res.body(), "abcde");
    EXPECT_EQ(server_.accepted_connections(), 1u);
}

TEST_F(mock_server_faults, raw_with_close_closes_after_the_bytes) {
    auto reply = faulty(fault::raw, "HTTP/1.1 204 No Content\r\n\r\n");
    reply.close = true;
    answer_with(reply);
    send();
    test_response res;
    ASSERT_FALSE(client_.read(res));
    EXPECT_EQ(res.result_int(), 204u);
    EXPECT_EQ(client_.read(res), http::error::end_of_stream);
}

TEST(mock_server_stop, is_idempotent_and_refuses_new_connections) {
    mock_server server([](const recorded_request&) { return reply_with("ok"); });
    server.stop();
    server.stop();
    EXPECT_EQ(connect_error(server.port()), net::error::connection_refused);
}

} // namespace
} // namespace kore_gateway
