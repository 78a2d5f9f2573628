#include "kore_gateway/server/listener.hpp"

#include <spdlog/spdlog.h>

namespace kore_gateway {
namespace {

// How long to stop accepting when the process is out of file descriptors.
constexpr auto accept_backoff = std::chrono::milliseconds(100);

} // namespace

listener::listener(io_context_pool& io, const tcp::endpoint& endpoint, request_handler& handler,
                   const session_limits& limits, connection_tracker& tracker)
    : io_(io), acceptor_(io.first()), backoff_(acceptor_.get_executor()), handler_(handler),
      limits_(limits), tracker_(tracker) {
    // Error codes rather than Asio's exceptions, whose what() names a source file of the build
    // machine: the operator reads this message and needs the address and the reason only.
    error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) {
        acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
        acceptor_.bind(endpoint, ec);
    }
    if (!ec) {
        acceptor_.listen(net::socket_base::max_listen_connections, ec);
    }
    if (!ec) {
        local_endpoint_ = acceptor_.local_endpoint(ec);
    }
    if (ec) {
        throw listen_error("cannot listen on " + endpoint.address().to_string() + " port " +
                           std::to_string(endpoint.port()) + ": " + ec.message());
    }
}

void listener::run() {
    net::dispatch(acceptor_.get_executor(),
                  beast::bind_front_handler(&listener::do_accept, shared_from_this()));
}

void listener::stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
        error_code ec;
        self->acceptor_.close(ec);
        self->backoff_.cancel();
    });
}

void listener::do_accept() {
    if (!acceptor_.is_open()) {
        return;
    }
    // The connection's socket belongs to the next I/O thread's context, which only that thread
    // runs: its handlers never run concurrently, so it needs no strand of its own.
    acceptor_.async_accept(io_.next(),
                           beast::bind_front_handler(&listener::on_accept, shared_from_this()));
}

void listener::on_accept(error_code ec, session::socket_type socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) {
        return;
    }
    if (ec == net::error::no_descriptors || ec == net::error::no_buffer_space) {
        spdlog::warn("accept paused: {}", ec.message());
        backoff_.expires_after(accept_backoff);
        backoff_.async_wait([self = shared_from_this()](error_code wait_ec) {
            if (!wait_ec) {
                self->do_accept();
            }
        });
        return;
    }
    if (ec) {
        spdlog::debug("accept failed: {}", ec.message());
    } else if (!tracker_.try_reserve()) {
        // Over GATEWAY_MAX_CONNECTIONS (or draining): refuse by closing at once.
        spdlog::debug("connection refused: {} open", tracker_.open());
        socket.close(ec);
    } else {
        auto connection = std::make_shared<session>(std::move(socket), handler_, limits_, tracker_);
        tracker_.attach(connection);
        connection->run();
    }
    do_accept();
}

} // namespace kore_gateway
