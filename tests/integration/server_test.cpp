// The real server on an ephemeral port, spoken to over real sockets.
#include <chrono>
#include <future>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kore_gateway/util/clock.hpp"
#include "support/eventually.hpp"
#include "support/gateway_with_fakes.hpp"
#include "support/log_capture.hpp"
#include "support/running_gateway.hpp"
#include "support/targets.hpp"
#include "support/test_client.hpp"

namespace kore_gateway::testing {
namespace {

TEST(server, healthz_answers_ok_with_a_request_id) {
    running_gateway gw;
    const auto res = fetch(gw.port(), http::verb::get, "/healthz");
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_EQ(body_json(res), nlohmann::json({{"status", "ok"}}));
    EXPECT_EQ(res[http::field::content_type], "application/json");
    EXPECT_EQ(res["X-Request-Id"].size(), 32u);
}

TEST(server, client_request_id_is_echoed_and_an_invalid_one_replaced) {
    running_gateway gw;
    EXPECT_EQ(fetch(gw.port(), http::verb::get, "/healthz",
                    {{"X-Request-Id", "abc-123"}})["X-Request-Id"],
              "abc-123");
    const auto replaced =
        fetch(gw.port(), http::verb::get, "/healthz", {{"X-Request-Id", "has space"}});
    EXPECT_NE(replaced["X-Request-Id"], "has space");
    EXPECT_EQ(replaced["X-Request-Id"].size(), 32u);
}

TEST(server, keep_alive_serves_many_requests_on_one_connection) {
    running_gateway gw;
    test_client client(gw.port());
    std::set<std::string> ids;
    for (int i = 0; i < 200; ++i) {
        const auto res = client.get("/healthz");
        ASSERT_EQ(res.result_int(), 200);
        ASSERT_TRUE(res.keep_alive());
        ids.insert(std::string(res["X-Request-Id"]));
    }
    EXPECT_EQ(ids.size(), 200u);
}

TEST(server, pipelined_requests_are_answered_in_order) {
    running_gateway gw;
    test_client client(gw.port());
    client.send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: one\r\n\r\n"
                    "GET /nope HTTP/1.1\r\nHost: x\r\nX-Request-Id: two\r\n\r\n");
    const auto first = client.read_response();
    const auto second = client.read_response();
    EXPECT_EQ(first["X-Request-Id"], "one");
    EXPECT_EQ(first.result_int(), 200);
    EXPECT_EQ(second["X-Request-Id"], "two");
    EXPECT_EQ(second.result_int(), 404);
}

TEST(server, http_1_0_closes_after_the_answer) {
    running_gateway gw;
    test_client client(gw.port());
    client.send_raw("GET /healthz HTTP/1.0\r\n\r\n");
    const auto res = client.read_response();
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_EQ(res.version(), 10u);
    EXPECT_TRUE(client.closed_by_server());
}

TEST(server, connection_close_is_honoured) {
    running_gateway gw;
    test_client client(gw.port());
    const auto res = client.get("/healthz", {{"Connection", "close"}});
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_FALSE(res.keep_alive());
    EXPECT_TRUE(client.closed_by_server());
}

TEST(server, unknown_path_is_404_json_with_error_id_in_the_log) {
    log_capture logs;
    running_gateway gw;
    const auto res = fetch(gw.port(), http::verb::get, "/nowhere");
    EXPECT_EQ(res.result_int(), 404);
    const auto body = body_json(res);
    EXPECT_EQ(body["error"], "not_found");
    const std::string error_id = body["error_id"];
    EXPECT_EQ(error_id.size(), 32u);
    gw.stop();
    const auto text = logs.text();
    EXPECT_NE(text.find("error_id=" + error_id), std::string::npos) << text;
    EXPECT_NE(text.find("/nowhere 404"), std::string::npos) << text;
}

TEST(server, error_ids_are_unique) {
    running_gateway gw;
    test_client client(gw.port());
    const auto a = body_json(client.get("/nowhere"))["error_id"];
    const auto b = body_json(client.get("/nowhere"))["error_id"];
    EXPECT_NE(a, b);
}

TEST(server, known_path_with_another_method_is_405_with_allow) {
    running_gateway gw;
    const auto res = fetch(gw.port(), http::verb::delete_, "/catalog/products");
    EXPECT_EQ(res.result_int(), 405);
    EXPECT_EQ(res[http::field::allow], "GET, HEAD"); // HEAD on every GET route (section 10)
    EXPECT_EQ(body_json(res)["error"], "method_not_allowed");
}

TEST(server, bad_path_parameter_is_400) {
    running_gateway gw;
    const auto res = fetch(gw.port(), http::verb::get, "/deals/a.b");
    EXPECT_EQ(res.result_int(), 400);
    EXPECT_EQ(body_json(res)["error"], "bad_request");
}

TEST(server, body_over_the_limit_is_413_and_closes) {
    auto config = test_config();
    config.max_body_bytes = 1024;
    running_gateway gw(config);
    test_client client(gw.port());
    const auto res = client.request(http::verb::post, "/catalog/products/p/offers/o/price", {},
                                    std::string(2048, 'x'));
    EXPECT_EQ(res.result_int(), 413);
    EXPECT_EQ(body_json(res)["error"], "payload_too_large");
    EXPECT_TRUE(client.closed_by_server());
}

TEST(server, chunked_body_over_the_limit_is_413) {
    auto config = test_config();
    config.max_body_bytes = 1024;
    running_gateway gw(config);
    test_client client(gw.port());
    client.send_raw("POST /catalog/products/p/offers/o/price HTTP/1.1\r\nHost: x\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n800\r\n" +
                    std::string(2048, 'x') + "\r\n0\r\n\r\n");
    EXPECT_EQ(client.read_response().result_int(), 413);
}

TEST(server, headers_over_the_limit_are_431) {
    auto config = test_config();
    config.max_header_bytes = 2048;
    running_gateway gw(config);
    test_client client(gw.port());
    const auto res = client.get("/healthz", {{"X-Big", std::string(4096, 'a')}});
    EXPECT_EQ(res.result_int(), 431);
    EXPECT_EQ(body_json(res)["error"], "headers_too_large");
}

TEST(server, malformed_request_line_is_400_and_closes) {
    running_gateway gw;
    test_client client(gw.port());
    client.send_raw("THIS IS NOT HTTP\r\n\r\n");
    const auto res = client.read_response();
    EXPECT_EQ(res.result_int(), 400);
    EXPECT_EQ(body_json(res)["error"], "bad_request");
    EXPECT_TRUE(client.closed_by_server());
}

// True while the peer has not closed the connection; asks the socket without waiting.
bool still_open(test_client& client) {
    auto& socket = client.stream().socket();
    error_code ec;
    socket.non_blocking(true, ec);
    char byte = 0;
    socket.receive(net::buffer(&byte, 1), net::socket_base::message_peek, ec);
    return ec == net::error::would_block;
}

TEST(server, slow_client_does_not_delay_another) {
    auto config = test_config();
    config.threads = 1; // the slow client must not hold the only thread either
    // Far beyond the fetches' own deadline: had the slow client held the thread, they would time
    // out, or be answered only after it was cut off.
    config.request_read_timeout = std::chrono::seconds(60);
    running_gateway gw(config);
    test_client slow(gw.port());
    slow.send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < 20; ++i) {
        EXPECT_EQ(fetch(gw.port(), http::verb::get, "/healthz").result_int(), 200);
    }
    EXPECT_TRUE(still_open(slow)) << "the slow client was cut off before the others were served";
}

TEST(server, trickling_bytes_does_not_extend_the_request_deadline) {
    auto config = test_config();
    config.request_read_timeout = std::chrono::milliseconds(500);
    running_gateway gw(config);
    test_client slow(gw.port());
    slow.send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    // A header line every 100 ms: were each byte to restart the deadline, the connection would
    // stay open for as long as this goes on (the bound only ends a broken test).
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    bool cut_off = false;
    while (!cut_off && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        try {
            slow.send_raw("X-Trickle: 1\r\n");
        } catch (const boost::system::system_error&) {
            // The gateway closed first: the write met a reset connection.
        }
        cut_off = !still_open(slow);
    }
    EXPECT_TRUE(cut_off);
}

TEST(server, idle_connection_is_closed_after_the_idle_timeout) {
    auto config = test_config();
    config.idle_timeout = std::chrono::milliseconds(300);
    running_gateway gw(config);
    test_client client(gw.port());
    EXPECT_EQ(client.get("/healthz").result_int(), 200);
    const auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(client.closed_by_server());
    EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(250));
}

TEST(server, connections_past_the_maximum_are_refused) {
    auto config = test_config();
    config.max_connections = 2;
    running_gateway gw(config);
    test_client a(gw.port());
    test_client b(gw.port());
    EXPECT_EQ(a.get("/healthz").result_int(), 200);
    EXPECT_EQ(b.get("/healthz").result_int(), 200);
    test_client c(gw.port());
    EXPECT_TRUE(c.closed_by_server());
    // A slot freed is a slot usable again.
    a.stream().close();
    // Refused until the gateway has seen the close; the bound only ends a broken test.
    EXPECT_TRUE(eventually([&] {
        try {
            return fetch(gw.port(), http::verb::get, "/healthz").result_int() == 200;
        } catch (const boost::system::system_error&) {
            return false;
        }
    }));
}

TEST(server, shutdown_drains_an_in_flight_request_and_closes_idle_ones) {
    gateway_with_fakes gw;
    test_client idle(gw.port());
    EXPECT_EQ(idle.get("/healthz").result_int(), 200);
    // A request in flight when the drain starts: its answer is held at KORE until released.
    gw.kore().server().hold_answers();
    test_client in_flight(gw.port());
    in_flight.send(http::verb::get, deal_target);
    ASSERT_TRUE(eventually([&] { return gw.kore().server().held_answers() == 1; }));
    auto stopped = std::async(std::launch::async, [&] { gw.gateway().stop(); });
    EXPECT_TRUE(idle.closed_by_server());
    // Still draining (a stop that did not wait would have closed in_flight, which the full
    // answer below rules out).
    EXPECT_EQ(stopped.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
    gw.kore().server().release_answers();
    const auto res = in_flight.read_response();
    EXPECT_EQ(res.result_int(), 200); // answered in full
    EXPECT_FALSE(res.keep_alive());
    EXPECT_EQ(stopped.wait_for(std::chrono::seconds(5)), std::future_status::ready);
}

// The gateway's clock bounds the drain: a request held upstream keeps the drain going until the
// clock passes drain_timeout, and then the gateway stops without it.
TEST(server, the_drain_bound_runs_on_the_gateways_clock) {
    manual_clock clock;
    gateway_with_fakes gw({.adjust =
                               [](gateway_config& config) {
                                   config.drain_timeout = std::chrono::seconds(10);
                                   // only the drain bound may end it
                                   config.upstream_timeout = std::chrono::seconds(60);
                               },
                           .clock = &clock});
    auto& app = gw.gateway().app();
    gw.kore().server().hold_answers();
    test_client in_flight(gw.port());
    in_flight.send(http::verb::get, deal_target);
    ASSERT_TRUE(eventually([&] { return gw.kore().server().held_answers() == 1; }));

    app.request_stop();
    auto stopped = std::async(std::launch::async, [&] { app.wait(); });
    // Connections refused: the drain has begun, and with it the bound (armed just before the
    // listener closes), so advancing the clock from here counts against it.
    ASSERT_TRUE(eventually([&] {
        try {
            fetch(gw.port(), http::verb::get, "/healthz");
            return false;
        } catch (const boost::system::system_error&) {
            return true;
        }
    }));
    clock.advance(std::chrono::seconds(9));
    EXPECT_EQ(stopped.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
    clock.advance(std::chrono::seconds(1));
    EXPECT_EQ(stopped.wait_for(std::chrono::seconds(5)), std::future_status::ready);
    EXPECT_TRUE(in_flight.closed_by_server()) << "closed without an answer";
    gw.kore().server().release_answers();
}

TEST(server, cors_preflight_on_a_known_route) {
    running_gateway gw;
    const auto res = fetch(gw.port(), http::verb::options, "/catalog/products/p1/offers/o1/price",
                           {{"Origin", "http://127.0.0.1:3000"},
                            {"Access-Control-Request-Method", "POST"},
                            {"Access-Control-Request-Headers", "content-type"}});
    EXPECT_EQ(res.result_int(), 204);
    EXPECT_EQ(res[http::field::access_control_allow_origin], "*");
    EXPECT_EQ(res[http::field::access_control_allow_methods], "POST");
    EXPECT_EQ(res.count(http::field::access_control_allow_credentials), 0u);
}

TEST(server, cors_allowlist_end_to_end) {
    auto config = test_config();
    config.cors_origins = {"http://good.example"};
    running_gateway gw(config);
    const std::map<std::string, std::string> bad_preflight{
        {"Origin", "http://evil.example"}, {"Access-Control-Request-Method", "GET"}};
    const auto denied = fetch(gw.port(), http::verb::options, "/catalog/products", bad_preflight);
    EXPECT_EQ(denied.result_int(), 403);
    EXPECT_EQ(body_json(denied)["error"], "forbidden");
    EXPECT_EQ(denied.count(http::field::access_control_allow_origin), 0u);
    EXPECT_EQ(denied.count(http::field::access_control_allow_methods), 0u);

    const auto other =
        fetch(gw.port(), http::verb::get, "/healthz", {{"Origin", "http://evil.example"}});
    EXPECT_EQ(other.result_int(), 200);
    EXPECT_EQ(other.count(http::field::access_control_allow_origin), 0u);

    const auto good =
        fetch(gw.port(), http::verb::get, "/healthz", {{"Origin", "http://good.example"}});
    EXPECT_EQ(good[http::field::access_control_allow_origin], "http://good.example");
    EXPECT_EQ(good[http::field::vary], "Origin");
    EXPECT_EQ(good[http::field::access_control_expose_headers], "X-Cache, X-Request-Id, Age, ETag");
}

TEST(server, preflight_on_an_unknown_path_is_404) {
    running_gateway gw;
    const auto res = fetch(gw.port(), http::verb::options, "/nope",
                           {{"Origin", "http://a"}, {"Access-Control-Request-Method", "GET"}});
    EXPECT_EQ(res.result_int(), 404);
}

TEST(server, errors_carry_cors_headers_for_an_allowed_origin) {
    running_gateway gw;
    const auto res = fetch(gw.port(), http::verb::get, "/deals/bad.id", {{"Origin", "http://a"}});
    EXPECT_EQ(res.result_int(), 400);
    EXPECT_EQ(res[http::field::access_control_allow_origin], "*");
}

TEST(server, binding_a_busy_port_is_a_startup_error) {
    running_gateway first;
    auto config = test_config();
    config.port = first.port();
    try {
        gateway_app app(config);
        ADD_FAILURE() << "a second gateway bound the same port";
    } catch (const listen_error& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("127.0.0.1 port " + std::to_string(first.port())), std::string::npos)
            << message;
        EXPECT_NE(message.find("GATEWAY_PORT"), std::string::npos) << message;
    }
}

} // namespace
} // namespace kore_gateway::testing
