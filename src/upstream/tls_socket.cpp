#include "kore_gateway/upstream/tls_socket.hpp"

#include <cerrno>
#include <cstdint>
#include <new>

#include <sys/socket.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace kore_gateway {
namespace {

// OpenSSL's own socket BIO writes with write(2), which raises SIGPIPE on a connection the peer
// has reset, and SIGPIPE ends the process: this one sends with MSG_NOSIGNAL, as Asio does, and
// reads with recv. A retry flag on EAGAIN is what makes SSL_get_error say WANT_READ or WANT_WRITE.
bool would_block(int error) {
    return error == EAGAIN || error == EWOULDBLOCK || error == EINTR;
}

tls_socket::transport& transport_of(BIO* bio) {
    return *static_cast<tls_socket::transport*>(::BIO_get_data(bio));
}

int transport_write(BIO* bio, const char* data, int size) {
    ::BIO_clear_retry_flags(bio);
    const auto sent =
        ::send(transport_of(bio).fd, data, static_cast<std::size_t>(size), MSG_NOSIGNAL);
    if (sent < 0 && would_block(errno)) {
        ::BIO_set_retry_write(bio);
    }
    return static_cast<int>(sent);
}

int transport_read(BIO* bio, char* data, int size) {
    ::BIO_clear_retry_flags(bio);
    auto& t = transport_of(bio);
    const auto received = ::recv(t.fd, data, static_cast<std::size_t>(size), 0);
    if (received < 0 && would_block(errno)) {
        ::BIO_set_retry_read(bio);
    }
    t.eof = received == 0;
    return static_cast<int>(received);
}

long transport_ctrl(BIO* bio, int command, long, void*) {
    switch (command) {
    case BIO_CTRL_FLUSH:
        return 1; // every write goes straight to the socket
    case BIO_CTRL_EOF:
        return transport_of(bio).eof ? 1 : 0; // how OpenSSL tells a cut connection from an error
    default:
        return 0;
    }
}

const BIO_METHOD* transport_method() {
    static BIO_METHOD* const method = [] {
        BIO_METHOD* m =
            ::BIO_meth_new(::BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "kore-gateway socket");
        if (m == nullptr || ::BIO_meth_set_write(m, transport_write) != 1 ||
            ::BIO_meth_set_read(m, transport_read) != 1 ||
            ::BIO_meth_set_ctrl(m, transport_ctrl) != 1) {
            throw std::bad_alloc();
        }
        return m;
    }();
    return method;
}

SSL* new_ssl(ssl::context& ctx) {
    SSL* ssl = ::SSL_new(ctx.native_handle());
    if (ssl == nullptr) {
        throw std::bad_alloc();
    }
    return ssl;
}

// SSL_get_error reads the thread's error queue, which must be empty before the operation. Other
// OpenSSL users on an I/O thread may have left entries there (Asio's own TLS streams clear it
// before their operations, not after). Looking costs a fraction of clearing all 16 slots, which
// Asio's stream does every time.
void clear_stale_errors() {
    if (::ERR_peek_error() != 0) {
        ::ERR_clear_error();
    }
}

} // namespace

tls_socket::tls_socket(const executor_type& ex, ssl::context& ctx)
    : socket_(ex), ssl_(new_ssl(ctx), ::SSL_free), transport_(std::make_unique<transport>()) {
    // Whole records as the socket holds them, an answer's header and body records in one read
    // when both have arrived: not a 5-byte record header, then its body.
    ::SSL_set_read_ahead(ssl_.get(), 1);
    // async_write goes on from where a write stopped, with the same bytes.
    ::SSL_set_mode(ssl_.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

// The socket is closed by the exchange's deadline, between two operations as well as during
// one. The number its descriptor had may by then be another connection's: no attempt may reach
// OpenSSL, which would read or write through that number.
template <class Call> tls_socket::step tls_socket::attempt(Call call, error_code& ec) {
    if (!socket_.is_open()) {
        ec = net::error::bad_descriptor;
        return step::failed;
    }
    clear_stale_errors();
    errno = 0;
    return outcome_of(call(), ec);
}

tls_socket::step tls_socket::try_handshake(error_code& ec) {
    if (!bound_ && socket_.is_open()) {
        BIO* bio = ::BIO_new(transport_method());
        if (bio == nullptr) {
            ec = net::error::no_memory;
            return step::failed;
        }
        transport_->fd = socket_.native_handle();
        ::BIO_set_data(bio, transport_.get());
        ::BIO_set_init(bio, 1);
        ::SSL_set_bio(ssl_.get(), bio, bio); // one reference, owned by the SSL object from now on
        bound_ = true;
    }
    return attempt([this] { return ::SSL_connect(ssl_.get()); }, ec);
}

// An empty buffer is done at once (1, as OpenSSL says success), as a read or write of nothing.
tls_socket::step tls_socket::try_read(net::mutable_buffer into, std::size_t& bytes,
                                      error_code& ec) {
    bytes = 0;
    return attempt(
        [&] {
            return into.size() == 0 ? 1
                                    : ::SSL_read_ex(ssl_.get(), into.data(), into.size(), &bytes);
        },
        ec);
}

tls_socket::step tls_socket::try_write(net::const_buffer from, std::size_t& bytes, error_code& ec) {
    bytes = 0;
    return attempt(
        [&] {
            return from.size() == 0 ? 1
                                    : ::SSL_write_ex(ssl_.get(), from.data(), from.size(), &bytes);
        },
        ec);
}

// The errors are the ones Asio's ssl::stream gives, so that callers classify them alike.
tls_socket::step tls_socket::outcome_of(int ret, error_code& ec) {
    if (ret == 1) {
        return step::done;
    }
    const int socket_errno = errno;
    const int reason = ::SSL_get_error(ssl_.get(), ret);
    if (reason == SSL_ERROR_WANT_READ) {
        return step::want_read;
    }
    if (reason == SSL_ERROR_WANT_WRITE) {
        return step::want_write;
    }
    const auto queued = ::ERR_get_error();
    ::ERR_clear_error(); // leave nothing for the next operation on this thread
    if (reason == SSL_ERROR_ZERO_RETURN) {
        ec = net::error::eof; // the peer's close_notify
    } else if (reason == SSL_ERROR_SYSCALL && socket_errno != 0) {
        ec = error_code(socket_errno, boost::system::system_category()); // a reset, mostly
    } else if (queued == 0 || ERR_GET_REASON(queued) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        ec = ssl::error::stream_truncated; // the TCP connection ended without a close_notify
    } else {
        ec = error_code(static_cast<int>(queued), net::error::get_ssl_category());
    }
    return step::failed;
}

} // namespace kore_gateway
