#include "kore_gateway/upstream/per_thread_client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "kore_gateway/mock/mock_server.hpp"
#include "kore_gateway/mock/test_certificates.hpp"
#include "kore_gateway/server/io_context_pool.hpp"
#include "kore_gateway/upstream/tls_context.hpp"
#include "support/eventually.hpp"

namespace kore_gateway {
namespace {

using namespace std::chrono_literals;
using testing::test_bound;

// What one exchange produced, and whether its completion ran on the thread that sent it.
struct sent {
    upstream_result result;
    bool completed_on_sender_thread = false;
};

// Two I/O threads with a context each, as in the gateway, and a TLS upstream whose answers take
// 100 ms, so that requests sent together overlap.
class per_thread_client_test : public ::testing::Test {
protected:
    per_thread_client_test() {
        server_.set_handler([](const recorded_request&) {
            mock_reply reply;
            reply.body = "{}";
            reply.delay = 100ms;
            return reply;
        });
        io_.run();
    }
    ~per_thread_client_test() override {
        if (client_) {
            client_->shutdown();
        }
        io_.stop();
        io_.join();
    }

    per_thread_client& make_client(std::size_t pool_size) {
        upstream_client_options opts;
        opts.max_connections = pool_size;
        client_ = std::make_shared<per_thread_client>(
            io_.executors(), *parse_url(server_.base_url()),
            make_client_tls_context({}, pki_.ca_pem), opts, steady_clock::instance());
        return *client_;
    }

    // Sends one GET from the I/O thread of executor ex.
    std::future<sent> send_from(const io_context_pool::executor_type& ex) {
        auto done = std::make_shared<std::promise<sent>>();
        auto future = done->get_future();
        net::post(ex, [this, ex, done] {
            client_->async_exchange(
                upstream_request{http::verb::get, "/"}, [ex, done](upstream_result r) {
                    done->set_value({std::move(r), ex.running_in_this_thread()});
                });
        });
        return future;
    }

    static sent wait(std::future<sent>& f) {
        if (f.wait_for(test_bound) != std::future_status::ready) {
            ADD_FAILURE() << "the exchange did not complete within " << test_bound.count() << " s";
            return {};
        }
        return f.get();
    }

    // count requests at once, alternating between the two threads; all must succeed.
    void send_together(std::size_t count) {
        const auto threads = io_.executors();
        std::vector<std::future<sent>> pending;
        for (std::size_t i = 0; i < count; ++i) {
            pending.push_back(send_from(threads[i % threads.size()]));
        }
        for (auto& f : pending) {
            EXPECT_EQ(wait(f).result.error, upstream_errc::ok);
        }
    }

    io_context_pool io_{2};
    test_pki pki_ = make_test_pki();
    mock_server server_{[](const recorded_request&) { return mock_reply{}; },
                        make_server_tls_context(pki_.server)};
    std::shared_ptr<per_thread_client> client_;
};

TEST_F(per_thread_client_test, an_exchange_completes_on_the_thread_that_sent_it) {
    make_client(4);
    const auto threads = io_.executors();
    // Both at once: neither thread has an idle connection to lend, so each opens its own.
    std::vector<std::future<sent>> pending;
    for (const auto& ex : threads) {
        pending.push_back(send_from(ex));
    }
    // Then each thread reuses its own.
    for (const auto& ex : threads) {
        pending.push_back(send_from(ex));
    }
    for (auto& f : pending) {
        const auto r = wait(f);
        EXPECT_EQ(r.result.error, upstream_errc::ok);
        EXPECT_TRUE(r.completed_on_sender_thread);
    }
}

TEST_F(per_thread_client_test, the_pool_bound_holds_for_the_origin_as_a_whole) {
    auto& client = make_client(3);
    send_together(12);
    // Shares of 2 and 1 (a pool of 3 per thread would have opened up to 6 for these 12).
    const auto opened = client.snapshot().connections_opened;
    EXPECT_LE(opened, 3u);
    EXPECT_EQ(server_.accepted_connections(), opened);
    EXPECT_EQ(client.snapshot().idle, opened);
}

TEST_F(per_thread_client_test, a_bound_below_the_thread_count_is_shared_by_the_threads) {
    auto& client = make_client(1);
    send_together(4);
    EXPECT_EQ(client.snapshot().connections_opened, 1u);
    EXPECT_EQ(server_.accepted_connections(), 1u);
}

TEST_F(per_thread_client_test, an_idle_connection_of_another_thread_is_used_before_opening_one) {
    auto& client = make_client(4);
    const auto threads = io_.executors();
    auto first = send_from(threads[0]);
    ASSERT_EQ(wait(first).result.error, upstream_errc::ok);
    auto second = send_from(threads[1]);
    ASSERT_EQ(wait(second).result.error, upstream_errc::ok);
    EXPECT_EQ(client.snapshot().connections_opened, 1u);
    EXPECT_EQ(server_.accepted_connections(), 1u);
}

TEST_F(per_thread_client_test, callers_on_other_threads_are_served_too) {
    auto& client = make_client(2);
    auto done = std::make_shared<std::promise<upstream_result>>();
    auto f = done->get_future();
    client.async_exchange(upstream_request{http::verb::get, "/"},
                          [done](upstream_result r) { done->set_value(std::move(r)); });
    ASSERT_EQ(f.wait_for(test_bound), std::future_status::ready);
    EXPECT_EQ(f.get().error, upstream_errc::ok);
}

} // namespace
} // namespace kore_gateway
