// One keep-alive connection to an origin, as https_client pools it: its stream (TLS or plain),
// the bytes it read past the last answer, and the deadline of the exchange that uses it.
//
// No strand: the owning client's io_context is run by one thread, which serialises every handler
// of the connection (its I/O, its watchdog, the exchanges that use it).
#pragma once

#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "kore_gateway/net.hpp"
#include "kore_gateway/upstream/tls_socket.hpp"
#include "kore_gateway/util/clock.hpp"
#include "kore_gateway/util/deadline_watch.hpp"

namespace kore_gateway {

class upstream_connection : public std::enable_shared_from_this<upstream_connection> {
public:
    using executor_type = net::io_context::executor_type;
    // A plain socket rather than Beast's tcp_stream: the watched deadline bounds every
    // operation, so the stream's own timeout layer would only be bookkeeping per read and write.
    using tcp_socket = net::basic_stream_socket<net::ip::tcp, executor_type>;
    // OpenSSL on the socket itself (tls_socket), not Asio's ssl::stream and its BIO pair. A
    // pooled connection keeps OpenSSL's record buffers between requests (~34 KB each,
    // pool-bounded), where Asio's stream asks for them to be freed whenever they are empty.
    static_assert(std::is_same_v<tcp_socket, tls_socket::socket_type>);
    using stream_type = std::variant<tcp_socket, tls_socket>;

    // tls == nullptr: plain http. clk times the watched deadlines and must outlive the connection.
    upstream_connection(const executor_type& ex, ssl::context* tls, const clock& clk);

    tcp_socket& tcp() {
        return std::visit([](auto& s) -> tcp_socket& { return beast::get_lowest_layer(s); },
                          stream_);
    }
    tls_socket* tls() { return std::get_if<tls_socket>(&stream_); }

    // Calls f with the stream HTTP is read from and written to.
    template <class F> void with_stream(F&& f) { std::visit(std::forward<F>(f), stream_); }

    beast::flat_buffer& buffer() { return buffer_; }
    // The bytes of the request being written; reused from request to request.
    std::string& write_buffer() { return write_buffer_; }

    // True when an idle connection can no longer carry a request: with no answer pending,
    // anything readable (the peer's FIN or close_notify, stray bytes, an error) means the peer
    // is done with it. Checked without waiting, on the client's thread.
    bool closed_by_peer();

    // From now until unwatch(), the connection is closed once the clock reaches deadline, which
    // ends whatever operation is pending on it with an error. One timer serves every exchange
    // the connection carries (util/deadline_watch.hpp).
    void watch(clock::time_point deadline) { deadline_.watch(deadline, weak_from_this()); }
    // The exchange is over: the connection may sit idle in the pool.
    void unwatch() { deadline_.unwatch(); }

private:
    stream_type stream_;
    beast::flat_buffer buffer_;
    std::string write_buffer_;
    deadline_watch deadline_;
};

} // namespace kore_gateway
