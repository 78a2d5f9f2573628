// A redis_connection in subscriber mode against a real redis-server.
#include "kore_gateway/redis/redis_connection.hpp"

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "support/redis_server.hpp"
#include "unit/redis/connection_harness.hpp"

namespace kore_gateway::testing {
namespace {

using message = std::pair<std::string, std::string>;

redis_connection_options subscriber_options(const redis_server& server,
                                            std::vector<message>& received) {
    auto opts = connection_harness::options(server.url());
    opts.channels = {"kore:purge", "kore:invalidate"};
    opts.on_message = [&received](const std::string& channel, const std::string& payload) {
        received.emplace_back(channel, payload);
    };
    return opts;
}

// Publishes and returns how many subscribers Redis delivered the message to.
std::int64_t publish(connection_harness& h, redis_connection& c, std::string_view channel,
                     std::string_view payload) {
    const auto r = h.exec(c, {"PUBLISH", channel, payload});
    return r.reply.integer() ? *r.reply.integer() : -1;
}

TEST(redis_subscriber, receives_what_is_published_on_its_channels_only) {
    redis_server server;
    connection_harness h;
    std::vector<message> received;
    auto subscriber = h.open(subscriber_options(server, received));
    auto publisher = h.open(h.options(server.url()), nullptr, false);
    ASSERT_TRUE(h.run_until([&] { return subscriber->is_up() && publisher->is_up(); }))
        << subscriber->last_error();

    const std::string binary("route=\0x\r\n", 10);
    EXPECT_EQ(publish(h, *publisher, "kore:purge", "all"), 1);
    EXPECT_EQ(publish(h, *publisher, "elsewhere", "ignored"), 0);
    EXPECT_EQ(publish(h, *publisher, "kore:invalidate", binary), 1);
    ASSERT_TRUE(h.run_until([&] { return received.size() == 2; }));
    EXPECT_EQ(received, (std::vector<message>{{"kore:purge", "all"}, {"kore:invalidate", binary}}));
}

TEST(redis_subscriber, answers_ping_while_subscribed) {
    redis_server server;
    connection_harness h;
    std::vector<message> received;
    auto subscriber = h.open(subscriber_options(server, received));
    ASSERT_TRUE(h.run_until([&] { return subscriber->is_up(); }));
    const auto pong = h.exec(*subscriber, {"PING"});
    EXPECT_FALSE(pong.ec);
    EXPECT_EQ(pong.reply, (resp_value{resp_value::array{bulk("pong"), bulk("")}}));
}

TEST(redis_subscriber, subscribes_again_after_redis_comes_back) {
    redis_server server("pw");
    connection_harness h;
    std::vector<message> received;
    auto opts = subscriber_options(server, received);
    opts.password = "pw";
    auto subscriber = h.open(opts);
    ASSERT_TRUE(h.run_until([&] { return subscriber->is_up(); })) << subscriber->last_error();

    server.restart();
    ASSERT_TRUE(h.run_until([&] { return h.states.size() == 3; })) << subscriber->last_error();
    EXPECT_EQ(h.states, (std::vector<bool>{true, false, true}));
    auto publisher_opts = h.options(server.url());
    publisher_opts.password = "pw";
    auto publisher = h.open(publisher_opts, nullptr, false);
    ASSERT_TRUE(h.run_until([&] { return publisher->is_up(); }));
    EXPECT_EQ(publish(h, *publisher, "kore:purge", "after restart"), 1);
    ASSERT_TRUE(h.run_until([&] { return received.size() == 1; }));
    EXPECT_EQ(received.front(), (message{"kore:purge", "after restart"}));
}

TEST(redis_subscriber, needs_a_message_handler) {
    net::io_context io;
    redis_connection_options opts;
    opts.channels = {"c"};
    EXPECT_THROW(redis_connection::create(io.get_executor(), opts), std::invalid_argument);
}

} // namespace
} // namespace kore_gateway::testing
