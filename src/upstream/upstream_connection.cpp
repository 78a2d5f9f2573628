#include "kore_gateway/upstream/upstream_connection.hpp"

namespace kore_gateway {

upstream_connection::upstream_connection(const executor_type& ex, ssl::context* tls,
                                         const clock& clk)
    : stream_(tls ? stream_type(std::in_place_type<tls_socket>, ex, *tls)
                  : stream_type(std::in_place_type<tcp_socket>, ex)),
      deadline_(ex, clk, [this] {
          error_code ec; // the pending operation completes with an error
          tcp().close(ec);
      }) {}

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

} // namespace kore_gateway
