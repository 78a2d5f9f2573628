#include "kore_gateway/upstream/tls_socket.hpp"

#include <cerrno>
#include <new>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace kore_gateway {
namespace {

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
    : socket_(ex), ssl_(new_ssl(ctx), ::SSL_free) {
    // Whole records as the socket holds them, an answer's header and body records in one read
    // when both have arrived: not a 5-byte record header, then its body.
    ::SSL_set_read_ahead(ssl_.get(), 1);
    // async_write goes on from where a write stopped, with the same bytes.
    ::SSL_set_mode(ssl_.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

tls_socket::step tls_socket::try_handshake(error_code& ec) {
    if (!bound_) {
        if (::SSL_set_fd(ssl_.get(), socket_.native_handle()) != 1) {
            ec = net::error::bad_descriptor;
            return step::failed;
        }
        bound_ = true;
    }
    clear_stale_errors();
    errno = 0;
    return outcome_of(::SSL_connect(ssl_.get()), ec);
}

tls_socket::step tls_socket::try_read(net::mutable_buffer into, std::size_t& bytes,
                                      error_code& ec) {
    bytes = 0;
    if (into.size() == 0) {
        return step::done;
    }
    clear_stale_errors();
    errno = 0;
    return outcome_of(::SSL_read_ex(ssl_.get(), into.data(), into.size(), &bytes), ec);
}

tls_socket::step tls_socket::try_write(net::const_buffer from, std::size_t& bytes, error_code& ec) {
    bytes = 0;
    if (from.size() == 0) {
        return step::done;
    }
    clear_stale_errors();
    errno = 0;
    return outcome_of(::SSL_write_ex(ssl_.get(), from.data(), from.size(), &bytes), ec);
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
