#include "kore_gateway/upstream/upstream_connection.hpp"

namespace kore_gateway {

upstream_connection::upstream_connection(const executor_type& ex, ssl::context* tls,
                                         const clock& clk)
    : stream_(tls ? stream_type(std::in_place_type<tls_socket>, ex, *tls)
                  : stream_type(std::in_place_type<tcp_socket>, ex)),
      clock_(clk), watchdog_(ex, clk) {}

bool upstream_connection::closed_by_peer() {
    auto& socket = tcp();
    error_code ec;
    // Left non-blocking from the first check on: asynchronous operations do not depend on it,
    // and switching back would cost two more system calls per request (Asio clears its own
    // non-blocking flag with the user's, so the next async operation sets it again).
    if (!socket.non_blocking()) {
        socket.non_blocking(true, ec);
        if (ec) {
            return true;
        }
    }
    char byte = 0;
    socket.receive(net::buffer(&byte, 1), net::socket_base::message_peek, ec);
    return ec != net::error::would_block;
}

void upstream_connection::watch(clock::time_point deadline) {
    deadline_ = deadline;
    if (waiting_ && watchdog_.expiry() <= deadline) {
        return; // the pending wait ends first and then waits on for this deadline
    }
    wait_for(deadline); // the first wait, or one ending later than this deadline (a shorter
                        // timeout_ms): expires_at cancels it
}

void upstream_connection::wait_for(clock::time_point when) {
    waiting_ = true;
    watchdog_.expires_at(when);
    // A weak reference: a pooled connection is not kept open by its own watchdog, and its
    // destruction cancels the wait.
    watchdog_.async_wait([weak = weak_from_this()](error_code ec) {
        if (auto self = weak.lock()) {
            self->on_watchdog(ec);
        }
    });
}

void upstream_connection::on_watchdog(error_code ec) {
    if (ec == net::error::operation_aborted) {
        return; // replaced by an earlier wait, which is pending now
    }
    waiting_ = false;
    if (!deadline_) {
        return; // idle: the next exchange waits again
    }
    if (clock_.now() < *deadline_) {
        return wait_for(*deadline_); // armed for an earlier exchange, which ended in time
    }
    error_code close_ec; // the pending operation completes with an error
    tcp().close(close_ec);
}

} // namespace kore_gateway
