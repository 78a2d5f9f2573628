// redis_links: commands on the calling I/O thread's connection, the breaker that stops asking a
// failing Redis, and the subscriber's notices (a fake Redis for failures, a real one for pub/sub).
#include "kore_gateway/redis/redis_links.hpp"

#include <thread>

#include <gtest/gtest.h>

#include "support/fake_redis.hpp"
#include "support/redis_server.hpp"
#include "unit/redis/connection_harness.hpp"

namespace kore_gateway::testing {
namespace {

using namespace std::chrono_literals;

struct links_fixture {
    links_fixture(const std::string& url, std::chrono::milliseconds timeout) {
        redis_settings settings{*parse_redis_url(url).url, {}, timeout, "links-test:"};
        links = std::make_unique<redis_links>(
            std::vector{h.io.get_executor()}, std::move(settings), nullptr, clock,
            [this](const std::string& payload) { messages.push_back(payload); },
            [this] { ++resubscribed; });
        links->start();
    }
    ~links_fixture() {
        links->stop();
        h.io.restart();
        h.io.poll();
    }

    // Runs one command from the I/O thread (the test's, inside the io_context) to its end.
    exec_result exec(std::initializer_list<std::string_view> args) {
        const std::vector<std::string> copies(args.begin(), args.end());
        auto result = std::make_shared<exec_result>();
        net::post(h.io, [this, copies, result] {
            const std::vector<std::string_view> views(copies.begin(), copies.end());
            links->exec(views, [result](error_code ec, resp_value reply) {
                result->done = true;
                result->ec = ec;
                result->reply = std::move(reply);
            });
        });
        h.run_until([&] { return result->done; });
        return *result;
    }

    connection_harness h;
    manual_clock clock;
    std::vector<std::string> messages;
    int resubscribed = 0;
    std::unique_ptr<redis_links> links;
};

TEST(redis_links, a_command_from_no_io_thread_fails_at_once_and_on_an_io_thread) {
    redis_server server;
    links_fixture f(server.url(), 2s);
    ASSERT_TRUE(f.h.run_until([&] { return f.links->is_up(); }));
    EXPECT_EQ(f.exec({"SET", "k", "v"}).reply, ok());

    bool done = false;
    bool on_io_thread = false;
    f.links->exec({"GET", "k"}, [&](error_code ec, const resp_value&) {
        done = true;
        on_io_thread = f.h.io.get_executor().running_in_this_thread();
        EXPECT_EQ(ec, redis_errc::not_connected);
    });
    EXPECT_FALSE(done) << "answered inside exec";
    ASSERT_TRUE(f.h.run_until([&] { return done; }));
    EXPECT_TRUE(on_io_thread);
}

TEST(redis_links, the_breaker_stops_asking_after_repeated_failures_and_probes_again) {
    connection_harness fake_io;
    fake_redis fake(fake_io.io, [](const std::vector<std::string>& command) {
        return command[0] == "GET" ? fake_answer{} : setup_answer(command); // GET stalls
    });
    auto busy = net::make_work_guard(fake_io.io);
    std::thread fake_thread([&] { fake_io.io.run(); });
    {
        links_fixture f(fake.url(), 50ms);
        for (unsigned i = 0; i < redis_links::failures_to_open; ++i) {
            ASSERT_TRUE(f.h.run_until([&] { return f.links->is_up(); }, 10s)) << i;
            EXPECT_EQ(f.exec({"GET", "k"}).ec, redis_errc::timeout) << i;
        }
        EXPECT_EQ(fake.commands("GET"), static_cast<int>(redis_links::failures_to_open));

        // Connected again, but the breaker does not send.
        ASSERT_TRUE(f.h.run_until([&] { return f.links->is_up(); }, 10s));
        EXPECT_EQ(f.exec({"GET", "k"}).ec, redis_errc::not_connected);
        EXPECT_EQ(fake.commands("GET"), static_cast<int>(redis_links::failures_to_open));

        f.clock.advance(redis_links::open_for);
        EXPECT_EQ(f.exec({"GET", "k"}).ec, redis_errc::timeout) << "no probe after open_for";
        EXPECT_EQ(fake.commands("GET"), static_cast<int>(redis_links::failures_to_open) + 1);
    }
    busy.reset();
    fake_io.io.stop();
    fake_thread.join();
}

TEST(redis_links, notices_arrive_and_every_subscription_is_reported) {
    redis_server server;
    links_fixture f(server.url(), 2s);
    ASSERT_TRUE(f.h.run_until([&] { return f.links->is_up(); }));
    EXPECT_EQ(f.resubscribed, 1) << "the first subscription empties nothing, but is reported";
    EXPECT_EQ(f.exec({"PUBLISH", f.links->channel(), "purge"}).reply, resp_value{std::int64_t{1}});
    ASSERT_TRUE(f.h.run_until([&] { return !f.messages.empty(); }));
    EXPECT_EQ(f.messages, std::vector<std::string>{"purge"});
    EXPECT_EQ(f.links->channel(), "links-test:events");

    server.kill();
    ASSERT_TRUE(f.h.run_until([&] { return !f.links->is_up(); }));
    server.restart();
    ASSERT_TRUE(f.h.run_until([&] { return f.links->is_up(); }, 10s));
    EXPECT_EQ(f.resubscribed, 2) << "a lost subscription must be reported when it is back";
}

} // namespace
} // namespace kore_gateway::testing
