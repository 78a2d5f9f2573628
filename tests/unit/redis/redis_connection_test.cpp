#include "kore_gateway/redis/redis_connection.hpp"

#include <string>

#include <gtest/gtest.h>

#include "kore_gateway/mock/test_certificates.hpp"
#include "kore_gateway/upstream/tls_context.hpp"
#include "support/redis_server.hpp"
#include "unit/redis/connection_harness.hpp"

namespace kore_gateway::testing {
namespace {

TEST(redis_connection, round_trips_a_binary_value) {
    redis_server server;
    connection_harness h;
    auto c = h.open(h.options(server.url()));
    ASSERT_TRUE(h.run_until([&] { return c->is_up(); })) << c->last_error();
    EXPECT_EQ(h.states, std::vector<bool>{true});

    const std::string value("\0\r\n$-1\r\n\xff", 10);
    const auto set = h.exec(*c, {"SET", "key", value});
    EXPECT_FALSE(set.ec) << set.ec.message();
    EXPECT_EQ(set.reply, ok());
    const auto get = h.exec(*c, {"GET", "key"});
    EXPECT_FALSE(get.ec);
    EXPECT_EQ(get.reply, bulk(value));
    EXPECT_TRUE(h.exec(*c, {"GET", "missing"}).reply.is_nil());
}

TEST(redis_connection, answers_pipelined_commands_in_order) {
    redis_server server;
    connection_harness h;
    auto c = h.open(h.options(server.url()));
    ASSERT_TRUE(h.run_until([&] { return c->is_up(); }));

    std::vector<std::int64_t> answers;
    for (int i = 0; i < 100; ++i) {
        c->async_exec({"INCR", "counter"}, [&answers](error_code ec, resp_value reply) {
            answers.push_back(!ec && reply.integer() ? *reply.integer() : -1);
        });
    }
    ASSERT_TRUE(h.run_until([&] { return answers.size() == 100; }));
    for (int i = 0; i < 100; ++i) {
        EXPECT_EQ(answers[i], i + 1);
    }
}

TEST(redis_connection, passes_error_replies_to_the_handler_as_values) {
    redis_server server;
    connection_harness h;
    auto c = h.open(h.options(server.url()));
    ASSERT_TRUE(h.run_until([&] { return c->is_up(); }));
    h.exec(*c, {"SET", "s", "text"});
    const auto r = h.exec(*c, {"LPUSH", "s", "x"});
    EXPECT_FALSE(r.ec);
    ASSERT_TRUE(r.reply.is_error());
    EXPECT_TRUE(r.reply.text()->starts_with("WRONGTYPE"));
    EXPECT_TRUE(c->is_up()); // an error reply is an answer: the connection stays
}

TEST(redis_connection, authenticates_selects_and_names_itself) {
    redis_server server("test-password");
    connection_harness h;
    auto opts = h.options(server.url(3));
    opts.password = "test-password";
    auto c = h.open(opts);
    ASSERT_TRUE(h.run_until([&] { return c->is_up(); })) << c->last_error();
    const auto info = h.exec(*c, {"CLIENT", "INFO"});
    ASSERT_TRUE(info.reply.text());
    EXPECT_NE(info.reply.text()->find(" db=3 "), std::string::npos) << *info.reply.text();
    EXPECT_NE(info.reply.text()->find(" name=kore-gateway "), std::string::npos);

    auto user_opts = h.options("redis://default@127.0.0.1:" + std::to_string(server.port()));
    user_opts.password = "test-password";
    auto with_user = h.open(user_opts);
    ASSERT_TRUE(h.run_until([&] { return with_user->is_up(); })) << with_user->last_error();
}

TEST(redis_connection, keeps_databases_apart) {
    redis_server server;
    connection_harness h;
    auto db1 = h.open(h.options(server.url(1)));
    auto db2 = h.open(h.options(server.url(2)));
    ASSERT_TRUE(h.run_until([&] { return db1->is_up() && db2->is_up(); }));
    h.exec(*db1, {"SET", "k", "one"});
    EXPECT_TRUE(h.exec(*db2, {"GET", "k"}).reply.is_nil());
    EXPECT_EQ(h.exec(*db1, {"GET", "k"}).reply, bulk("one"));
}

TEST(redis_connection, reports_a_wrong_or_missing_password_clearly) {
    redis_server server("right-password");
    connection_harness h;
    auto wrong_opts = h.options(server.url());
    wrong_opts.password = "wrong-password";
    auto wrong = h.open(wrong_opts);
    auto none = h.open(h.options(server.url()));
    ASSERT_TRUE(h.run_until([&] { return !wrong->last_error().empty(); }));
    ASSERT_TRUE(h.run_until([&] { return !none->last_error().empty(); }));
    EXPECT_TRUE(wrong->last_error().starts_with("AUTH: WRONGPASS")) << wrong->last_error();
    EXPECT_EQ(wrong->last_error().find("wrong-password"), std::string::npos);
    EXPECT_NE(none->last_error().find("NOAUTH"), std::string::npos) << none->last_error();
    EXPECT_FALSE(wrong->is_up());
    EXPECT_FALSE(none->is_up());
    EXPECT_EQ(h.exec(*wrong, {"PING"}).ec, redis_errc::not_connected);
    EXPECT_TRUE(h.states.empty());
}

TEST(redis_connection, fails_commands_in_flight_when_redis_dies_and_reconnects_when_it_is_back) {
    redis_server server;
    connection_harness h;
    auto c = h.open(h.options(server.url()));
    ASSERT_TRUE(h.run_until([&] { return c->is_up(); }));
    // Blocks until the server dies: the reply can only be the failure. A second connection sees
    // when the server holds it, so that it dies with the command in flight.
    auto blocked = h.start_exec(*c, {"BLPOP", "never-filled", "0"});
    auto probe = h.open(h.options(server.url()), nullptr, false);
    ASSERT_TRUE(h.run_until([&] {
        return probe->is_up() &&
               h.exec(*probe, {"INFO", "clients"}).reply.text()->find("blocked_clients:1") !=
                   std::string::npos;
    }));
    probe->close();
    server.kill();
    ASSERT_TRUE(h.run_until([&] { return blocked->done; }));
    EXPECT_EQ(blocked->ec, redis_errc::connection_lost);
    EXPECT_EQ(h.states, (std::vector<bool>{true, false}));
    EXPECT_EQ(h.exec(*c, {"PING"}).ec, redis_errc::not_connected);

    server.restart();
    ASSERT_TRUE(h.run_until([&] { return c->is_up(); })) << c->last_error();
    EXPECT_EQ(h.states, (std::vector<bool>{true, false, true}));
    EXPECT_EQ(h.exec(*c, {"SET", "k", "v"}).reply, ok());
    EXPECT_EQ(h.exec(*c, {"GET", "k"}).reply, bulk("v"));
}

TEST(redis_connection, close_fails_commands_in_flight_and_later_ones) {
    redis_server server;
    connection_harness h;
    auto c = h.open(h.options(server.url()));
    ASSERT_TRUE(h.run_until([&] { return c->is_up(); }));
    auto blocked = h.start_exec(*c, {"BLPOP", "never-filled", "0"});
    c->close();
    EXPECT_FALSE(blocked->done); // never from inside close()
    ASSERT_TRUE(h.run_until([&] { return blocked->done; }));
    EXPECT_EQ(blocked->ec, redis_errc::closed);
    EXPECT_EQ(h.exec(*c, {"PING"}).ec, redis_errc::closed);
    EXPECT_FALSE(c->is_up());
}

TEST(redis_connection, speaks_tls_to_a_verified_server) {
    const auto pki = make_test_pki();
    redis_server server("pw", pki.server);
    connection_harness h;
    for (const std::string host : {"127.0.0.1", "localhost"}) {
        auto opts = h.options("rediss://" + host + ":" + std::to_string(server.port()) + "/1");
        opts.password = "pw";
        auto c = h.open(opts, make_client_tls_context("", pki.ca_pem));
        ASSERT_TRUE(h.run_until([&] { return c->is_up(); })) << host << ": " << c->last_error();
        EXPECT_EQ(h.exec(*c, {"SET", "k", host}).reply, ok());
        EXPECT_EQ(h.exec(*c, {"GET", "k"}).reply, bulk(host));
    }
}

TEST(redis_connection, refuses_a_tls_server_it_cannot_verify) {
    const auto pki = make_test_pki();
    redis_server server({}, pki.server);
    connection_harness h;
    const auto other_ca = make_test_pki("another CA");
    auto c = h.open(h.options(server.url()), make_client_tls_context("", other_ca.ca_pem));
    ASSERT_TRUE(h.run_until([&] { return !c->last_error().empty(); }));
    EXPECT_TRUE(c->last_error().starts_with("TLS handshake: ")) << c->last_error();
    EXPECT_FALSE(c->is_up());
    // A certificate for other names does not do either, even from the trusted CA.
    redis_server elsewhere({}, issue_server_certificate(pki, {"redis.example.com"}));
    auto wrong_name = h.open(h.options(elsewhere.url()), make_client_tls_context("", pki.ca_pem));
    ASSERT_TRUE(h.run_until([&] { return !wrong_name->last_error().empty(); }));
    EXPECT_TRUE(wrong_name->last_error().starts_with("TLS handshake: "));
}

TEST(redis_connection, refuses_rediss_without_a_tls_context) {
    net::io_context io;
    redis_connection_options opts;
    opts.url = *parse_redis_url("rediss://127.0.0.1:6380").url;
    EXPECT_THROW(redis_connection::create(io.get_executor(), opts), std::invalid_argument);
}

} // namespace
} // namespace kore_gateway::testing
