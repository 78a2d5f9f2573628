// What a real redis-server will not do on cue, from a fake one on an Asio acceptor: stall,
// reset in the middle of a reply, send garbage or replies nobody asked for.
#include "kore_gateway/redis/redis_connection.hpp"

#include <array>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/fake_redis.hpp"
#include "unit/redis/connection_harness.hpp"

namespace kore_gateway::testing {
namespace {

// The setup commands succeed; GET gets get_answer.
responder answering_get_with(fake_answer get_answer) {
    return [get_answer](const std::vector<std::string>& command) {
        return command[0] == "GET" ? get_answer : fake_answer{"+OK\r\n"};
    };
}

redis_connection_options fault_options(const fake_redis& fake) {
    auto opts = connection_harness::options(fake.url());
    opts.command_timeout = std::chrono::milliseconds(100);
    opts.connect_timeout = std::chrono::milliseconds(200);
    return opts;
}

TEST(redis_connection_faults, a_stalled_command_times_out_and_the_connection_is_renewed) {
    connection_harness h;
    fake_redis fake(h.io, answering_get_with({}));
    auto c = h.open(fault_options(fake));
    ASSERT_TRUE(h.run_until([&] { return c->is_up(); })) << c->last_error();

    const auto started = std::chrono::steady_clock::now();
    std::vector<std::shared_ptr<exec_result>> results;
    for (int i = 0; i < 3; ++i) {
        results.push_back(h.start_exec(*c, {"GET", "k"}));
    }
    ASSERT_TRUE(h.run_until([&] { return results.back()->done; }));
    EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(100));
    EXPECT_EQ(results[0]->ec, redis_errc::timeout);
    for (const auto& r : results) {
        EXPECT_TRUE(r->done);
        EXPECT_TRUE(r->ec == redis_errc::timeout || r->ec == redis_errc::connection_lost)
            << r->ec.message();
    }
    EXPECT_NE(c->last_error().find("no reply within 100 ms"), std::string::npos);
    // A late reply could not be matched any more: a fresh connection replaces the stalled one.
    ASSERT_TRUE(h.run_until([&] { return c->is_up(); }));
    EXPECT_EQ(h.states, (std::vector<bool>{true, false, true}));
    EXPECT_EQ(fake.accepted(), 2);
}

TEST(redis_connection_faults, a_reset_in_the_middle_of_a_reply_fails_the_command) {
    connection_harness h;
    fake_redis fake(h.io, answering_get_with({"$10\r\nabc", true}));
    auto c = h.open(fault_options(fake));
    ASSERT_TRUE(h.run_until([&] { return c->is_up(); }));
    EXPECT_EQ(h.exec(*c, {"GET", "k"}).ec, redis_errc::connection_lost);
    EXPECT_FALSE(c->is_up());
    ASSERT_TRUE(h.run_until([&] { return c->is_up(); }));
}

TEST(redis_connection_faults, garbage_is_a_protocol_error_and_drops_the_connection) {
    for (const std::string garbage :
         {"HTTP/1.1 400 Bad Request\r\n\r\n", ":12x\r\n", "*2\r\n:1\r\n?\r\n"}) {
        connection_harness h;
        fake_redis fake(h.io, answering_get_with({garbage}));
        auto c = h.open(fault_options(fake));
        ASSERT_TRUE(h.run_until([&] { return c->is_up(); }));
        EXPECT_EQ(h.exec(*c, {"GET", "k"}).ec, redis_errc::protocol_error) << garbage;
        EXPECT_NE(c->last_error().find("unreadable reply"), std::string::npos) << garbage;
        ASSERT_TRUE(h.run_until([&] { return c->is_up(); })) << garbage;
        EXPECT_EQ(h.states, (std::vector<bool>{true, false, true})) << garbage;
    }
}

TEST(redis_connection_faults, a_reply_nobody_asked_for_drops_the_connection) {
    connection_harness h;
    fake_redis fake(h.io, answering_get_with({"$1\r\na\r\n+EXTRA\r\n"}));
    auto c = h.open(fault_options(fake));
    ASSERT_TRUE(h.run_until([&] { return c->is_up(); }));
    const auto r = h.exec(*c, {"GET", "k"});
    EXPECT_FALSE(r.ec);
    EXPECT_EQ(r.reply, bulk("a"));
    ASSERT_TRUE(h.run_until([&] { return h.states.size() >= 2; }));
    EXPECT_EQ(c->last_error(), "a reply that no command asked for");
}

TEST(redis_connection_faults, a_reply_over_the_size_bound_is_a_protocol_error) {
    connection_harness h;
    fake_redis fake(h.io, answering_get_with({"$100000\r\n" + std::string(50000, 'x')}));
    auto opts = fault_options(fake);
    opts.max_reply_bytes = 10000;
    auto c = h.open(opts);
    ASSERT_TRUE(h.run_until([&] { return c->is_up(); }));
    EXPECT_EQ(h.exec(*c, {"GET", "k"}).ec, redis_errc::protocol_error);
    EXPECT_NE(c->last_error().find("larger than 10000"), std::string::npos) << c->last_error();
}

TEST(redis_connection_faults, a_stalled_setup_is_bounded_and_retried) {
    connection_harness h;
    fake_redis fake(h.io, [](const std::vector<std::string>&) { return fake_answer{}; });
    auto c = h.open(fault_options(fake));
    ASSERT_TRUE(h.run_until([&] { return fake.accepted() >= 2; }));
    EXPECT_EQ(c->last_error(), "not ready within 200 ms");
    EXPECT_FALSE(c->is_up());
    EXPECT_TRUE(h.states.empty());
}

TEST(redis_connection_faults, a_refused_select_is_retried_with_its_reason) {
    connection_harness h;
    fake_redis fake(h.io, [](const std::vector<std::string>& command) {
        return command[0] == "SELECT" ? fake_answer{"-ERR DB index is out of range\r\n"}
                                      : fake_answer{"+OK\r\n"};
    });
    auto opts = fault_options(fake);
    opts.url.db = 99;
    auto c = h.open(opts);
    ASSERT_TRUE(h.run_until([&] { return fake.accepted() >= 3; }));
    EXPECT_EQ(c->last_error(), "SELECT: ERR DB index is out of range");
    EXPECT_EQ(h.exec(*c, {"GET", "k"}).ec, redis_errc::not_connected);
}

TEST(redis_connection_faults, a_subscription_without_its_confirmation_is_not_up) {
    connection_harness h;
    fake_redis fake(h.io, answering_get_with({}));
    auto opts = fault_options(fake);
    opts.channels = {"c"};
    opts.on_message = [](const std::string&, const std::string&) {};
    auto c = h.open(opts);
    ASSERT_TRUE(h.run_until([&] { return !c->last_error().empty(); }));
    EXPECT_EQ(c->last_error(), "SUBSCRIBE: not confirmed");
    EXPECT_FALSE(c->is_up());
}

TEST(redis_connection_faults, a_message_that_is_not_two_strings_drops_the_subscriber) {
    connection_harness h;
    fake_redis fake(h.io, [](const std::vector<std::string>& command) {
        return command[0] == "SUBSCRIBE" ? fake_answer{"*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n"
                                                       "*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n:42\r\n"}
                                         : fake_answer{"+OK\r\n"};
    });
    auto opts = fault_options(fake);
    opts.channels = {"c"};
    int messages = 0;
    opts.on_message = [&messages](const std::string&, const std::string&) { ++messages; };
    auto c = h.open(opts);
    ASSERT_TRUE(h.run_until([&] { return h.states.size() >= 2; }));
    EXPECT_EQ(c->last_error(), "a message that is not two strings");
    EXPECT_EQ(messages, 0);
}

TEST(redis_connection_faults, an_unreachable_server_is_retried_without_failing_callers_late) {
    connection_harness h;
    std::uint16_t closed_port = 0;
    {
        tcp::acceptor probe(h.io, tcp::endpoint(net::ip::address_v4::loopback(), 0));
        closed_port = probe.local_endpoint().port();
    }
    auto c =
        h.open(connection_harness::options("redis://127.0.0.1:" + std::to_string(closed_port)));
    ASSERT_TRUE(h.run_until([&] { return !c->last_error().empty(); }));
    EXPECT_TRUE(c->last_error().starts_with("connect: ")) << c->last_error();
    EXPECT_EQ(h.exec(*c, {"GET", "k"}).ec, redis_errc::not_connected);
}

} // namespace
} // namespace kore_gateway::testing
