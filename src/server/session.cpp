#include "kore_gateway/server/session.hpp"

#include <array>

#include <spdlog/spdlog.h>

#include "kore_gateway/http/http_date.hpp"
#include "kore_gateway/http/request_framing.hpp"
#include "kore_gateway/http/wire_header.hpp"

namespace kore_gateway {
namespace {

// Enough for any request line and headers in one read; the parser enforces the real limits.
constexpr std::size_t first_read_size = 4096;

bool is_quiet_close(const error_code& ec) {
    // operation_aborted: a deadline passed (the socket was closed under the pending operation),
    // or the gateway is stopping.
    return ec == http::error::end_of_stream || ec == net::error::operation_aborted ||
           ec == net::error::eof || ec == net::error::connection_reset ||
           ec == net::error::broken_pipe;
}

} // namespace

session::session(socket_type&& socket, request_handler& handler, const session_limits& limits,
                 connection_tracker& tracker)
    : socket_(std::move(socket)), handler_(handler), limits_(limits), tracker_(tracker),
      deadline_(socket_.get_executor(), steady_clock::instance(), [this] { do_close(); }) {
    error_code ec;
    const auto remote = socket_.remote_endpoint(ec);
    context_.client_ip = ec ? "unknown" : remote.address().to_string();
    // do_write writes in place first: the socket must say would_block rather than wait.
    socket_.non_blocking(true, ec);
    // Answers are written whole, header and body in one call; Nagle's algorithm would only delay
    // the last segment of a large one until the client ACKs (as nginx's tcp_nodelay avoids).
    socket_.set_option(tcp::no_delay(true), ec);
}

// The idle, read and write deadlines share one timer for the connection's life
// (util/deadline_watch.hpp). Beast's tcp_stream, which the session used before, armed a timer
// around every read and write and cancelled it after: a timer-queue insert, a removal and a
// cancelled completion per request.
void session::watch(std::chrono::milliseconds timeout) {
    deadline_.watch_for(timeout, weak_from_this());
}

session::~session() {
    tracker_.release(this);
}

void session::run() {
    net::dispatch(socket_.get_executor(),
                  beast::bind_front_handler(&session::do_wait_for_request, shared_from_this()));
}

void session::drain() {
    net::post(socket_.get_executor(), [self = shared_from_this()] {
        self->draining_ = true;
        if (self->waiting_for_request_) {
            // Idle between requests: nothing is in flight, so close now.
            self->do_close();
        }
    });
}

void session::abort() {
    do_close();
}

// Between requests the idle timeout applies; from the first byte on, the whole request must
// arrive within the read timeout, so a client trickling bytes is cut off.
void session::do_wait_for_request() {
    if (draining_) {
        return do_close();
    }
    if (buffer_.size() > 0) {
        return do_read_request(); // a pipelined request is already here
    }
    waiting_for_request_ = true;
    watch(limits_.idle_timeout);
    socket_.async_read_some(
        buffer_.prepare(first_read_size),
        beast::bind_front_handler(&session::on_first_bytes, shared_from_this()));
}

void session::on_first_bytes(error_code ec, std::size_t bytes) {
    waiting_for_request_ = false;
    if (ec) {
        return on_read_failed(ec);
    }
    buffer_.commit(bytes);
    do_read_request();
}

void session::do_read_request() {
    context_.start = std::chrono::steady_clock::now();
    parser_.emplace();
    parser_->body_limit(limits_.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
    // A header already whole in the buffer (the usual case) is parsed here, with the same parser
    // and limits: http::async_read_header would parse it too, then post its completion through
    // the executor. Whatever is missing is read asynchronously.
    const auto ec = parse_buffered();
    if (ec || parser_->is_header_done()) {
        return on_read_header(ec, 0);
    }
    watch(limits_.request_read_timeout);
    http::async_read_header(
        socket_, buffer_, *parser_,
        beast::bind_front_handler(&session::on_read_header, shared_from_this()));
}

// Feeds the buffered bytes to the parser; stops once the header is complete, so that it is
// checked before a byte of the body is taken, and when the request is done.
error_code session::parse_buffered() {
    error_code ec;
    while (buffer_.size() > 0 && !parser_->is_done()) {
        const bool had_header = parser_->is_header_done();
        const auto used = parser_->put(buffer_.data(), ec);
        buffer_.consume(used);
        if (ec == http::error::need_more) {
            return {};
        }
        if (ec || used == 0 || (!had_header && parser_->is_header_done())) {
            break;
        }
    }
    return ec;
}

void session::on_read_header(error_code ec, std::size_t) {
    if (ec) {
        return on_read_failed(ec);
    }
    auto& header = parser_->get();
    if (const auto fault = check_request_header(header)) {
        return reject(fault->status == http::status::not_implemented ? rejection::not_implemented
                                                                     : rejection::bad_header,
                      fault->message);
    }
    if (auto origin = origin_form(header.target())) {
        header.target(*origin);
    }
    if (expects_continue(header) && !parser_->is_done()) {
        if (auto answer = handler_.answer_before_body(header, context_)) {
            // The body is never read: the connection cannot go on after this answer.
            keep_alive_ = false;
            return do_write(std::move(*answer));
        }
        static constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";
        watch(limits_.request_read_timeout);
        return net::async_write(socket_, net::buffer(continue_line.data(), continue_line.size()),
                                [self = shared_from_this()](error_code write_ec, std::size_t) {
                                    if (write_ec) {
                                        return self->do_close();
                                    }
                                    self->do_read_body();
                                });
    }
    do_read_body();
}

void session::do_read_body() {
    const auto ec = parse_buffered();
    if (ec || parser_->is_done()) {
        return on_read_request(ec, 0);
    }
    watch(limits_.request_read_timeout);
    http::async_read(socket_, buffer_, *parser_,
                     beast::bind_front_handler(&session::on_read_request, shared_from_this()));
}

void session::on_read_request(error_code ec, std::size_t) {
    if (ec) {
        return on_read_failed(ec);
    }
    // Read in full: however long the answer takes, no read deadline applies to it.
    deadline_.unwatch();
    request req = parser_->release();
    keep_alive_ = req.keep_alive();
    const auto version = req.version();
    handler_.handle(std::move(req), context_, [self = shared_from_this(), version](response&& res) {
        res.version(version);
        // A cache hit, and a forward whose answer came on this connection's thread, write at once
        // (a response moved through net::dispatch's wrappers costs a field-list move at each
        // step). From another thread (a token waiter), this posts.
        if (self->socket_.get_executor().running_in_this_thread()) {
            return self->do_write(std::move(res));
        }
        net::post(self->socket_.get_executor(),
                  [self, res = std::move(res)]() mutable { self->do_write(std::move(res)); });
    });
}

void session::on_read_failed(error_code ec) {
    if (is_quiet_close(ec)) {
        return do_close();
    }
    // The request could not be read in full: answer what went wrong, then close, because the
    // rest of the stream can no longer be trusted to start at a request boundary.
    rejection why = rejection::malformed;
    if (ec == http::error::body_limit) {
        why = rejection::body_too_big;
    } else if (ec == http::error::header_limit) {
        why = rejection::headers_too_big;
    }
    spdlog::debug("client {}: unreadable request: {}", context_.client_ip, ec.message());
    reject(why, {});
}

void session::reject(rejection why, std::string_view detail) {
    const bool have_header = parser_ && parser_->is_header_done();
    if (context_.start == std::chrono::steady_clock::time_point{}) {
        context_.start = std::chrono::steady_clock::now();
    }
    keep_alive_ = false;
    auto context = context_;
    if (!have_header) {
        // The fields before a malformed one are in the parser already; a header over the size
        // limit is still in the buffer, unparsed.
        context.unparsed_origin = parser_ ? parser_->get()[http::field::origin] : "";
        if (context.unparsed_origin.empty()) {
            const auto bytes = buffer_.data();
            context.unparsed_origin = origin_in_raw_header(
                std::string_view(static_cast<const char*>(bytes.data()), bytes.size()));
        }
    }
    do_write(handler_.reject(why, detail, have_header ? &parser_->get().base() : nullptr, context));
}

void session::do_write(response&& res) {
    const bool close = !keep_alive_ || draining_;
    if (close || res.version() < 11) {
        // HTTP/1.1 keeps the connection open unless told otherwise, and no answer carries a
        // Connection field before this point: keep_alive(true) would only look for one.
        res.keep_alive(!close);
    }
    if (!res.has_content_length()) {
        // An answer to HEAD comes with the Content-Length of its GET and no body.
        res.prepare_payload();
    }
    response_.emplace(std::move(res));
    if (response_->chunked()) {
        response_->set(http::field::date, http_date_now());
        watch(limits_.request_read_timeout);
        return http::async_write(
            socket_, *response_,
            beast::bind_front_handler(&session::on_write, shared_from_this(), close));
    }
    // The header as one buffer and the shared body as another: one gather write, instead of
    // Beast's serializer walking a buffer sequence of every field on each write attempt.
    render_header(*response_, http_date_now(), header_);
    const auto& body = response_->body();
    const std::array<net::const_buffer, 2> buffers{net::buffer(header_),
                                                   body ? net::buffer(*body) : net::const_buffer()};
    // Most answers fit in the socket's send buffer: written here at once, they need neither a
    // deadline timer nor a trip through the scheduler. Whatever does not fit is written
    // asynchronously under the write deadline, as before.
    error_code ec;
    const auto written = net::write(socket_, buffers, ec);
    if (ec == net::error::would_block || ec == net::error::try_again) {
        beast::buffers_suffix<std::array<net::const_buffer, 2>> rest(buffers);
        rest.consume(written);
        watch(limits_.request_read_timeout);
        return net::async_write(
            socket_, rest,
            beast::bind_front_handler(&session::on_write, shared_from_this(), close));
    }
    if (buffer_.size() > 0) {
        // A pipelined request is already here: go on from the executor instead of recursing.
        return net::post(
            socket_.get_executor(),
            beast::bind_front_handler(&session::on_write, shared_from_this(), close, ec, written));
    }
    on_write(close, ec, written);
}

void session::on_write(bool close, error_code ec, std::size_t) {
    response_.reset();
    if (ec) {
        if (!is_quiet_close(ec)) {
            spdlog::debug("client {}: write failed: {}", context_.client_ip, ec.message());
        }
        return do_close();
    }
    if (close) {
        return do_close();
    }
    do_wait_for_request();
}

void session::do_close() {
    error_code ec;
    socket_.shutdown(net::socket_base::shutdown_send, ec);
    socket_.close(ec);
}

} // namespace kore_gateway
