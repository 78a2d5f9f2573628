// A TLS client connection on which OpenSSL reads and writes the TCP socket itself, through a BIO
// of ours (send with MSG_NOSIGNAL, recv), for the upstream connections: an AsyncReadStream and
// AsyncWriteStream that Beast's http::async_read and Asio's async_write take like any stream.
//
// Why not Asio's ssl::stream: it puts a BIO pair between OpenSSL and the socket, so that every
// record is copied through it, and it clears OpenSSL's error queue (16 slots) before each
// SSL_read and SSL_write. Callgrind put that at ~3,100 instructions of a ~70,000-instruction
// forward (bench/RESULTS.md, issue #16 third pass). Here each operation is tried at once and,
// when OpenSSL needs the socket to become readable or writable first, tried again after an
// async_wait. Registering the wait in the same handler as the attempt that met EAGAIN is what
// keeps an edge-triggered reactor from missing the readiness in between. An operation that
// finishes at once completes through the executor, as Asio requires of an initiating function.
#pragma once

#include <cstddef>
#include <iterator>
#include <memory>
#include <utility>

#include "kore_gateway/net.hpp"

namespace kore_gateway {

class tls_socket {
public:
    // What OpenSSL's reads and writes go through (tls_socket.cpp): the socket, and whether the
    // last read met the end of the stream. On the heap, so that it stays put when the socket
    // moves.
    struct transport {
        int fd = -1;
        bool eof = false;
    };

    using socket_type = net::basic_stream_socket<net::ip::tcp, net::io_context::executor_type>;
    using executor_type = socket_type::executor_type;

    // ctx: the client context (verification mode and trusted CAs), shared between connections.
    // Throws std::bad_alloc when OpenSSL cannot make the connection's SSL object.
    tls_socket(const executor_type& ex, ssl::context& ctx);

    executor_type get_executor() { return socket_.get_executor(); }
    socket_type& next_layer() { return socket_; }
    SSL* native_handle() { return ssl_.get(); }

    // The client handshake, once the socket is connected. Completes with (error_code,
    // std::size_t) like the other operations, the size always 0.
    template <class Token> auto async_handshake(Token&& token) {
        return initiate([this](std::size_t&, error_code& ec) { return try_handshake(ec); },
                        std::forward<Token>(token));
    }

    // Reads into the first non-empty buffer of buffers: read_some may read less than asked.
    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        const auto into = first_non_empty(buffers);
        return initiate(
            [this, into](std::size_t& bytes, error_code& ec) { return try_read(into, bytes, ec); },
            std::forward<Token>(token));
    }

    // Writes from the first non-empty buffer of buffers, as one TLS record at most.
    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        const net::const_buffer from = first_non_empty(buffers);
        return initiate(
            [this, from](std::size_t& bytes, error_code& ec) { return try_write(from, bytes, ec); },
            std::forward<Token>(token));
    }

private:
    enum class step { done, want_read, want_write, failed };

    // One attempt each; on step::failed, ec says why.
    step try_handshake(error_code& ec);
    step try_read(net::mutable_buffer into, std::size_t& bytes, error_code& ec);
    step try_write(net::const_buffer from, std::size_t& bytes, error_code& ec);
    // Makes one OpenSSL call on the open socket, with the thread's error queue clean, and says
    // what its result means.
    template <class Call> step attempt(Call call, error_code& ec);
    // What OpenSSL's return value ret of the operation just tried means.
    step outcome_of(int ret, error_code& ec);

    template <class Buffers> static auto first_non_empty(const Buffers& buffers) {
        for (auto it = net::buffer_sequence_begin(buffers); it != net::buffer_sequence_end(buffers);
             ++it) {
            if (it->size() != 0) {
                return *it;
            }
        }
        return typename std::iterator_traits<decltype(net::buffer_sequence_begin(
            buffers))>::value_type{};
    }

    // Tries attempt until it is done or failed, waiting for the socket in between.
    template <class Attempt> struct operation {
        operation(tls_socket& s, Attempt a) : socket(s), attempt(std::move(a)) {}

        tls_socket& socket;
        Attempt attempt;
        bool waited = false;     // false until the first wait: completing now means posting
        bool completing = false; // the posted completion has come back
        std::size_t bytes = 0;
        error_code result;

        template <class Self> void operator()(Self& self, error_code ec = {}) {
            if (completing) {
                return self.complete(result, bytes);
            }
            if (ec) {
                return self.complete(ec, 0); // the wait failed: the socket was closed
            }
            switch (attempt(bytes, result)) {
            case step::want_read:
                waited = true;
                return socket.socket_.async_wait(net::socket_base::wait_read, std::move(self));
            case step::want_write:
                waited = true;
                return socket.socket_.async_wait(net::socket_base::wait_write, std::move(self));
            case step::done:
            case step::failed:
                break;
            }
            if (!waited) {
                completing = true;
                return net::post(socket.get_executor(), std::move(self));
            }
            self.complete(result, bytes);
        }
    };

    template <class Attempt, class Token> auto initiate(Attempt attempt, Token&& token) {
        return net::async_compose<Token, void(error_code, std::size_t)>(
            operation<Attempt>{*this, std::move(attempt)}, token, socket_);
    }

    socket_type socket_;
    std::unique_ptr<SSL, void (*)(SSL*)> ssl_;
    std::unique_ptr<transport> transport_;
    bool bound_ = false; // the transport set: the socket exists only once connected
};

} // namespace kore_gateway
