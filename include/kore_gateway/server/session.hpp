// One client connection: reads requests with a fresh parser each, checks each header's framing
// before its body (answering "100 Continue" where asked), hands requests to the request_handler,
// writes the answers, and enforces the client-side limits and deadlines.
#pragma once

#include <chrono>
#include <memory>
#include <optional>

#include "kore_gateway/http/exchange.hpp"
#include "kore_gateway/net.hpp"
#include "kore_gateway/server/connection_tracker.hpp"
#include "kore_gateway/util/deadline_watch.hpp"

namespace kore_gateway {

// The client-side limits, from gateway_config.
struct session_limits {
    std::size_t max_body_bytes;
    std::size_t max_header_bytes;
    std::chrono::milliseconds request_read_timeout; // from the first byte to the whole request
    std::chrono::milliseconds idle_timeout;         // waiting for the next request's first byte
};

class session final : public drainable, public std::enable_shared_from_this<session> {
public:
    // The socket of one I/O thread's io_context (see io_context_pool), with its concrete executor
    // type: Beast's default, Asio's type-erased any_io_executor, costs a copy through a function
    // table on every operation, which profiles named among the costs of a request.
    using socket_type = net::basic_stream_socket<tcp, net::io_context::executor_type>;

    session(socket_type&& socket, request_handler& handler, const session_limits& limits,
            connection_tracker& tracker);
    ~session() override;

    void run();
    void drain() override;
    void abort() override;

private:
    void do_wait_for_request();
    void on_first_bytes(error_code ec, std::size_t bytes);
    void do_read_request();
    error_code parse_buffered();
    void on_read_header(error_code ec, std::size_t bytes);
    void do_read_body();
    void on_read_request(error_code ec, std::size_t bytes);
    void on_read_failed(error_code ec);
    void reject(rejection why, std::string_view detail);
    void do_write(response&& res);
    void on_write(bool close, error_code ec, std::size_t bytes);
    void do_close();
    // The connection is closed once timeout has passed, unless the deadline is watched anew
    // first, or unwatched (once a request is read in full).
    void watch(std::chrono::milliseconds timeout);

    socket_type socket_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    request_handler& handler_;
    const session_limits& limits_;
    connection_tracker& tracker_;
    request_context context_;
    std::optional<response> response_; // kept alive while it is written
    std::string header_;               // response_'s status line and fields, as written
    bool keep_alive_ = false;
    bool waiting_for_request_ = false; // between requests: a drain may close at once
    bool draining_ = false;
    deadline_watch deadline_; // the idle, read and write deadlines, one at a time
};

} // namespace kore_gateway
