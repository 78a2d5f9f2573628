// The listener on a real ephemeral loopback port, its I/O threads running, with a recording
// request_handler behind the sessions it starts and blocking test clients in front.
#include "kore_gateway/server/listener.hpp"

#include <future>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kore_gateway/metrics/gateway_metrics.hpp"
#include "support/eventually.hpp"
#include "support/test_client.hpp"
#include "unit/server/recording_handler.hpp"

namespace kore_gateway {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::recording_handler;
using testing::test_client;

const auto loopback = net::ip::make_address("127.0.0.1");

class listener_test : public ::testing::Test {
protected:
    listener_test() {
        listener_ = std::make_shared<listener>(io_, tcp::endpoint(loopback, 0), handler_, limits_,
                                               tracker_);
        listener_->run();
        io_.run();
    }
    ~listener_test() override {
        io_.stop();
        io_.join();
    }

    std::uint16_t port() const { return listener_->local_endpoint().port(); }

    // Waits until the listener's thread has run everything posted to it so far (a stop()).
    void settle_listener_thread() {
        std::promise<void> ran;
        net::post(io_.first(), [&ran] { ran.set_value(); });
        ASSERT_EQ(ran.get_future().wait_for(5s), std::future_status::ready);
    }

    // Declared before io_: its contexts end the sessions, which give their slot back here.
    gateway_metrics metrics_;
    const session_limits limits_{1 << 20, 16384, 10s, 10s};
    connection_tracker tracker_{2, metrics_};
    recording_handler handler_;
    io_context_pool io_{2};
    std::shared_ptr<listener> listener_;
};

TEST_F(listener_test, binds_an_ephemeral_port_and_hands_each_connection_to_a_session) {
    EXPECT_NE(port(), 0);
    EXPECT_EQ(listener_->local_endpoint().address(), loopback);
    test_client first(port());
    test_client second(port());
    EXPECT_EQ(first.get("/one").body(), "/one");
    EXPECT_EQ(second.get("/two").body(), "/two");
    EXPECT_EQ(first.get("/three").body(), "/three") << "the session kept its connection";
    const auto seen = handler_.requests();
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0].client_ip, "127.0.0.1");
    EXPECT_EQ(tracker_.open(), 2u);
}

TEST_F(listener_test, refuses_connections_past_the_limit_until_one_closes) {
    auto first = std::make_unique<test_client>(port());
    test_client second(port());
    ASSERT_EQ(first->get("/a").result_int(), 200u);
    ASSERT_EQ(second.get("/b").result_int(), 200u);

    test_client refused(port()); // the kernel completes the handshake; the listener closes it
    EXPECT_TRUE(refused.closed_by_server());
    EXPECT_EQ(tracker_.open(), 2u);
    EXPECT_EQ(handler_.requests().size(), 2u);

    first.reset();
    ASSERT_TRUE(eventually([&] { return tracker_.open() == 1; }));
    test_client admitted(port());
    EXPECT_EQ(admitted.get("/c").body(), "/c");
}

TEST_F(listener_test, stop_stops_accepting_while_open_connections_go_on) {
    test_client open(port());
    ASSERT_EQ(open.get("/before").result_int(), 200u);
    listener_->stop();
    settle_listener_thread();

    tcp::socket late(io_.first());
    error_code ec;
    late.connect(tcp::endpoint(loopback, port()), ec);
    EXPECT_EQ(ec, net::error::connection_refused);
    EXPECT_EQ(open.get("/after").body(), "/after");
}

TEST_F(listener_test, an_address_it_cannot_listen_on_is_a_listen_error_naming_it) {
    struct refusal_case {
        std::string name;
        tcp::endpoint endpoint;
        std::string address;
    };
    const std::vector<refusal_case> cases{
        {"a busy port", tcp::endpoint(loopback, port()), "127.0.0.1"},
        {"an address of no interface here", tcp::endpoint(net::ip::make_address("192.0.2.1"), 8080),
         "192.0.2.1"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        try {
            listener second(io_, c.endpoint, handler_, limits_, tracker_);
            ADD_FAILURE() << "no listen_error";
        } catch (const listen_error& e) {
            const std::string what = e.what();
            EXPECT_NE(what.find(c.address), std::string::npos) << what;
            EXPECT_NE(what.find("port " + std::to_string(c.endpoint.port())), std::string::npos)
                << what;
        }
    }
    // The first listener still serves.
    test_client client(port());
    EXPECT_EQ(client.get("/still").body(), "/still");
}

} // namespace
} // namespace kore_gateway
