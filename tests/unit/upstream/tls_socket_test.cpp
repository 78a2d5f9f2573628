#include "kore_gateway/upstream/tls_socket.hpp"

#include <gtest/gtest.h>

#include <future>
#include <optional>
#include <string>
#include <thread>

#include "kore_gateway/mock/test_certificates.hpp"
#include "kore_gateway/upstream/tls_context.hpp"
#include "support/eventually.hpp"

namespace kore_gateway {
namespace {

using testing::test_bound;

// One verified TLS connection on loopback: tls_socket on the test's io_context, and at the
// other end Asio's own TLS stream, driven step by step from a thread of its own.
class tls_socket_test : public ::testing::Test {
protected:
    void SetUp() override {
        tcp::acceptor acceptor(server_io_, {net::ip::make_address("127.0.0.1"), 0});
        client_.next_layer().connect(acceptor.local_endpoint());
        // As after https_client's async_connect: OpenSSL's reads must meet EAGAIN, not block.
        client_.next_layer().non_blocking(true);
        acceptor.accept(server_.next_layer());
        ASSERT_FALSE(set_tls_peer(client_.native_handle(), "localhost"));
        std::future<void> accepted =
            std::async(std::launch::async, [this] { server_.handshake(ssl::stream_base::server); });
        ASSERT_FALSE(run([&](auto done) { client_.async_handshake(done); }).first);
        accepted.get();
    }

    // A test that stopped early must not leave the server's thread blocked: closing the client
    // ends its reads, and the step it may wait for is let go.
    void TearDown() override {
        error_code ignored;
        client_.next_layer().close(ignored);
        if (!step_released_) {
            step_.set_value();
        }
        if (server_thread_.joinable()) {
            server_thread_.join();
        }
    }

    void release_step() {
        step_released_ = true;
        step_.set_value();
    }

    // Starts op(handler) on the client and runs the client's context until the handler has run
    // or test_bound has passed (then the result is empty: the operation never completed).
    template <class Op> std::pair<error_code, std::optional<std::size_t>> run(Op op) {
        error_code result;
        std::optional<std::size_t> bytes;
        op([&](error_code ec, std::size_t n) {
            result = ec;
            bytes = n;
        });
        client_io_.restart();
        client_io_.run_for(test_bound);
        return {result, bytes};
    }

    std::optional<std::string> read_some(std::size_t at_most) {
        std::string into(at_most, '\0');
        const auto [ec, n] =
            run([&](auto done) { client_.async_read_some(net::buffer(into), done); });
        if (ec || !n) {
            return std::nullopt;
        }
        into.resize(*n);
        return into;
    }

    bool write(const std::string& bytes) {
        const auto [ec, n] =
            run([&](auto done) { net::async_write(client_, net::buffer(bytes), done); });
        return !ec && n == bytes.size();
    }

    // The server's side of the exchange: reads `expect` whole, then writes `reply` as one record.
    void answer(const std::string& expect, const std::string& reply) {
        std::string got(expect.size(), '\0');
        error_code ec;
        net::read(server_, net::buffer(got), ec);
        EXPECT_EQ(got, expect) << ec.message();
        if (!ec && !reply.empty()) {
            net::write(server_, net::buffer(reply), ec);
        }
    }

    test_pki pki_ = make_test_pki();
    net::io_context client_io_;
    net::io_context server_io_;
    std::shared_ptr<ssl::context> client_tls_ = make_client_tls_context({}, pki_.ca_pem);
    std::shared_ptr<ssl::context> server_tls_ = make_server_tls_context(pki_.server);
    tls_socket client_{client_io_.get_executor(), *client_tls_};
    ssl::stream<tcp::socket> server_{server_io_, *server_tls_};
    std::thread server_thread_;
    std::promise<void> step_; // what the server's thread may wait for
    std::future<void> step_reached_ = step_.get_future();
    bool step_released_ = false;
};

// A read takes what OpenSSL already holds before it looks at the socket: here the rest of a
// record an earlier, smaller read left undelivered, which no socket readiness would announce.
// (A read that waited for the socket first after each write, to skip an attempt that nearly
// always meets EAGAIN, would hang here without asking SSL_has_pending: bench/RESULTS.md, issue
// #16 seventh pass.)
TEST_F(tls_socket_test, a_read_after_a_write_takes_what_openssl_already_holds) {
    server_thread_ = std::thread([this] {
        answer("ping", "pong1pong2");
        answer("ping", ""); // the second answer is already on the client's side
    });
    ASSERT_TRUE(write("ping"));
    EXPECT_EQ(read_some(5), "pong1");
    ASSERT_TRUE(write("ping"));
    EXPECT_EQ(read_some(5), "pong2");
}

// An answer already in the socket when the read starts is read at once.
TEST_F(tls_socket_test, a_read_gets_an_answer_already_in_the_socket) {
    std::promise<void> answered;
    auto answer_sent = answered.get_future();
    server_thread_ = std::thread([this, answered = std::move(answered)]() mutable {
        answer("ping", "pong");
        answered.set_value();
    });
    ASSERT_TRUE(write("ping"));
    ASSERT_EQ(answer_sent.wait_for(test_bound), std::future_status::ready);
    EXPECT_EQ(read_some(16), "pong");
}

// An answer that comes while the read waits for the socket completes it.
TEST_F(tls_socket_test, a_read_gets_an_answer_that_comes_while_it_waits) {
    server_thread_ = std::thread([this] {
        answer("ping", "");
        step_reached_.wait();
        error_code ec;
        net::write(server_, net::buffer(std::string("pong")), ec);
    });
    ASSERT_TRUE(write("ping"));
    std::string into(16, '\0');
    std::optional<std::size_t> bytes;
    client_.async_read_some(net::buffer(into), [&](error_code ec, std::size_t n) {
        EXPECT_FALSE(ec) << ec.message();
        bytes = n;
    });
    client_io_.restart();
    client_io_.poll(); // the read is now waiting
    EXPECT_FALSE(bytes);
    release_step();
    client_io_.run_for(test_bound);
    ASSERT_TRUE(bytes);
    EXPECT_EQ(into.substr(0, *bytes), "pong");
}

} // namespace
} // namespace kore_gateway
