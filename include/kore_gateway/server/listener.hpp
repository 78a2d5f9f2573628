// Accepts client connections and starts a session for each, within GATEWAY_MAX_CONNECTIONS.
#pragma once

#include <memory>
#include <stdexcept>

#include "kore_gateway/http/exchange.hpp"
#include "kore_gateway/net.hpp"
#include "kore_gateway/server/connection_tracker.hpp"
#include "kore_gateway/server/io_context_pool.hpp"
#include "kore_gateway/server/session.hpp"

namespace kore_gateway {

// The listening socket could not be set up; what() names the address, the port and the reason.
class listen_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class listener final : public std::enable_shared_from_this<listener> {
public:
    // Binds and listens at once, so that a busy port is a start-up error (thrown) and port 0's
    // real number is known before run(). Accepts on io.first(); each connection then lives on
    // the next context of io in turn.
    listener(io_context_pool& io, const tcp::endpoint& endpoint, request_handler& handler,
             const session_limits& limits, connection_tracker& tracker);

    tcp::endpoint local_endpoint() const { return local_endpoint_; }
    void run();
    // Stops accepting; sessions already open are drained by the tracker.
    void stop();

private:
    void do_accept();
    void on_accept(error_code ec, session::socket_type socket);

    io_context_pool& io_;
    tcp::acceptor acceptor_;
    net::steady_timer backoff_;
    tcp::endpoint local_endpoint_;
    request_handler& handler_;
    const session_limits& limits_;
    connection_tracker& tracker_;
};

} // namespace kore_gateway
