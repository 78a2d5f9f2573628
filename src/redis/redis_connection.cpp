#include "kore_gateway/redis/redis_connection.hpp"

#include <array>
#include <stdexcept>
#include <utility>
#include <variant>

#include <spdlog/spdlog.h>

#include "kore_gateway/upstream/tls_context.hpp"

namespace kore_gateway {

// One TCP (or TLS) connection and what belongs to it alone: the reply reader and the buffers.
// Each attempt makes a fresh one. Every handler holds the link it was started on, so that a
// dropped link stays alive until its aborted operations have completed (an ssl::stream must
// outlive its operations), and compares it with the current one before acting.
struct redis_connection::link {
    using tcp_socket = net::basic_stream_socket<tcp, executor_type>;
    using tls_stream = ssl::stream<tcp_socket>;

    link(const executor_type& ex, ssl::context* tls, std::size_t max_reply_bytes)
        : stream(
              tls ? std::variant<tcp_socket, tls_stream>(std::in_place_type<tls_stream>, ex, *tls)
                  : std::variant<tcp_socket, tls_stream>(std::in_place_type<tcp_socket>, ex)),
          reader(max_reply_bytes) {}

    tcp_socket& socket() {
        return std::visit([](auto& s) -> tcp_socket& { return beast::get_lowest_layer(s); },
                          stream);
    }
    tls_stream* tls() { return std::get_if<tls_stream>(&stream); }
    template <class F> void with_stream(F&& f) { std::visit(std::forward<F>(f), stream); }

    std::variant<tcp_socket, tls_stream> stream;
    resp_reader reader;
    std::array<char, 16 * 1024> read_buffer{};
    std::string queued;  // encoded commands not yet handed to a write
    std::string writing; // the bytes of the write in flight
    bool write_in_flight = false;
};

namespace {

// The kind of a pub/sub push ("message", "subscribe", ...), which RESP2 sends as an array of
// three whose first item names it; empty for any other reply.
std::string_view push_kind(const resp_value& reply) {
    const auto* items = reply.elements();
    if (items == nullptr || items->size() != 3) {
        return {};
    }
    const auto* kind = std::get_if<resp_bulk_string>(&items->front().data);
    return kind != nullptr ? std::string_view(kind->data) : std::string_view();
}

} // namespace

std::shared_ptr<redis_connection> redis_connection::create(executor_type ex,
                                                           redis_connection_options opts,
                                                           std::shared_ptr<ssl::context> tls) {
    if (opts.url.tls && !tls) {
        throw std::invalid_argument("a rediss:// connection needs a TLS context");
    }
    if (!opts.channels.empty() && !opts.on_message) {
        throw std::invalid_argument("a subscriber connection needs a message handler");
    }
    return std::make_shared<redis_connection>(private_tag{}, std::move(ex), std::move(opts),
                                              std::move(tls));
}

redis_connection::redis_connection(private_tag, executor_type ex, redis_connection_options opts,
                                   std::shared_ptr<ssl::context> tls)
    : executor_(std::move(ex)), opts_(std::move(opts)),
      tls_(opts_.url.tls ? std::move(tls) : nullptr), name_(opts_.url.to_string()),
      resolver_(executor_), connect_timer_(executor_), command_timer_(executor_),
      retry_timer_(executor_), random_(std::random_device{}()) {}

redis_connection::~redis_connection() = default;

void redis_connection::start() {
    if (state_ == state::idle) {
        do_connect();
    }
}

void redis_connection::async_exec(std::initializer_list<std::string_view> args,
                                  reply_handler handler) {
    async_exec(std::span<const std::string_view>(args.begin(), args.size()), std::move(handler));
}

void redis_connection::async_exec(std::span<const std::string_view> args, reply_handler handler) {
    if (state_ != state::up) {
        const error_code ec =
            state_ == state::closed ? redis_errc::closed : redis_errc::not_connected;
        net::post(executor_, [handler = std::move(handler), ec] { handler(ec, {}); });
        return;
    }
    link_->queued += format_command(args);
    pending_.push_back(
        {std::move(handler), std::chrono::steady_clock::now() + opts_.command_timeout});
    do_write(link_);
    arm_command_deadline();
}

void redis_connection::close() {
    if (state_ == state::closed) {
        return;
    }
    drop_link(redis_errc::closed, redis_errc::closed);
    retry_timer_.cancel();
    state_ = state::closed;
}

void redis_connection::do_connect() {
    auto l = std::make_shared<link>(executor_, tls_.get(), opts_.max_reply_bytes);
    link_ = l;
    state_ = state::connecting;
    auto self = shared_from_this();
    connect_timer_.expires_after(opts_.connect_timeout);
    connect_timer_.async_wait([self, l](error_code ec) { self->on_connect_deadline(l, ec); });
    if (auto* tls = l->tls()) {
        if (const auto ec = set_tls_peer(tls->native_handle(), opts_.url.host)) {
            return fail("TLS setup: " + ec.message(), redis_errc::connection_lost);
        }
    }
    error_code not_literal;
    const auto address = net::ip::make_address(opts_.url.host, not_literal);
    if (!not_literal) {
        l->socket().async_connect(tcp::endpoint(address, opts_.url.port),
                                  [self, l](error_code ec) { self->on_connect(l, ec); });
        return;
    }
    resolver_.async_resolve(opts_.url.host, std::to_string(opts_.url.port),
                            [self, l](error_code ec, const tcp::resolver::results_type& results) {
                                self->on_resolve(l, ec, results);
                            });
}

void redis_connection::on_connect_deadline(const std::shared_ptr<link>& l, error_code ec) {
    if (ec || l != link_ || state_ != state::connecting) {
        return; // cancelled: connected or dropped meanwhile
    }
    fail("not ready within " + std::to_string(opts_.connect_timeout.count()) + " ms",
         redis_errc::connection_lost);
}

void redis_connection::on_resolve(const std::shared_ptr<link>& l, error_code ec,
                                  const tcp::resolver::results_type& results) {
    if (l != link_) {
        return;
    }
    if (ec) {
        return fail("resolve " + opts_.url.host + ": " + ec.message(), redis_errc::connection_lost);
    }
    net::async_connect(l->socket(), results,
                       [self = shared_from_this(), l](error_code connect_ec, const tcp::endpoint&) {
                           self->on_connect(l, connect_ec);
                       });
}

void redis_connection::on_connect(const std::shared_ptr<link>& l, error_code ec) {
    if (l != link_) {
        return;
    }
    if (ec) {
        return fail("connect: " + ec.message(), redis_errc::connection_lost);
    }
    // Commands are small and written as soon as they are issued: Nagle would only delay them.
    error_code ignored;
    l->socket().set_option(tcp::no_delay(true), ignored);
    if (auto* tls = l->tls()) {
        tls->async_handshake(ssl::stream_base::client,
                             [self = shared_from_this(), l](error_code handshake_ec) {
                                 self->on_handshake(l, handshake_ec);
                             });
        return;
    }
    do_setup(l);
}

void redis_connection::on_handshake(const std::shared_ptr<link>& l, error_code ec) {
    if (l != link_) {
        return;
    }
    if (ec) {
        return fail("TLS handshake: " + ec.message(), redis_errc::connection_lost);
    }
    do_setup(l);
}

// AUTH, SELECT and CLIENT SETNAME go out in one write; the connection is up once all three have
// answered OK. With none of them to send, a PING still proves that Redis is what answers.
void redis_connection::do_setup(const std::shared_ptr<link>& l) {
    setup_steps_.clear();
    const auto& url = opts_.url;
    if (!opts_.password.empty()) {
        l->queued += url.user.empty() ? format_command({"AUTH", opts_.password})
                                      : format_command({"AUTH", url.user, opts_.password});
        setup_steps_.emplace_back("AUTH");
    }
    if (url.db != 0) {
        l->queued += format_command({"SELECT", std::to_string(url.db)});
        setup_steps_.emplace_back("SELECT");
    }
    if (!opts_.client_name.empty()) {
        l->queued += format_command({"CLIENT", "SETNAME", opts_.client_name});
        setup_steps_.emplace_back("CLIENT SETNAME");
    }
    if (!opts_.channels.empty()) {
        std::vector<std::string_view> args{"SUBSCRIBE"};
        args.insert(args.end(), opts_.channels.begin(), opts_.channels.end());
        l->queued += format_command(args);
        // Redis confirms each channel with a reply of its own.
        setup_steps_.insert(setup_steps_.end(), opts_.channels.size(), "SUBSCRIBE");
    }
    if (setup_steps_.empty()) {
        l->queued += format_command({"PING"});
        setup_steps_.emplace_back("PING");
    }
    do_write(l);
    do_read(l);
}

void redis_connection::on_setup_reply(const resp_value& reply) {
    const auto step = std::move(setup_steps_.front());
    setup_steps_.erase(setup_steps_.begin());
    if (reply.is_error()) {
        const auto& message = *reply.text();
        const bool auth =
            step == "AUTH" || message.starts_with("NOAUTH") || message.starts_with("WRONGPASS");
        return fail(step + ": " + message,
                    auth ? redis_errc::auth_failed : redis_errc::setup_failed);
    }
    if (step == "SUBSCRIBE" && push_kind(reply) != "subscribe") {
        return fail("SUBSCRIBE: not confirmed", redis_errc::protocol_error);
    }
    if (!setup_steps_.empty()) {
        return;
    }
    connect_timer_.cancel();
    failures_ = 0;
    state_ = state::up;
    spdlog::info("redis {}: connected", name_);
    if (opts_.on_state_change) {
        opts_.on_state_change(true);
    }
}

void redis_connection::do_read(const std::shared_ptr<link>& l) {
    l->with_stream([this, &l](auto& stream) {
        stream.async_read_some(net::buffer(l->read_buffer),
                               [self = shared_from_this(), l](error_code ec, std::size_t bytes) {
                                   self->on_read(l, ec, bytes);
                               });
    });
}

void redis_connection::on_read(const std::shared_ptr<link>& l, error_code ec, std::size_t bytes) {
    if (l != link_) {
        return;
    }
    if (ec) {
        return fail(ec == net::error::eof ? std::string("closed by the server")
                                          : "read: " + ec.message(),
                    redis_errc::connection_lost);
    }
    l->reader.feed(std::string_view(l->read_buffer.data(), bytes));
    while (auto reply = l->reader.next()) {
        on_reply(std::move(*reply));
        if (l != link_) {
            return; // a refused setup, a stray reply or a handler's close() dropped the link
        }
    }
    if (l->reader.failed()) {
        return fail("unreadable reply: " + l->reader.failure(), redis_errc::protocol_error);
    }
    do_read(l);
}

void redis_connection::on_reply(resp_value reply) {
    if (state_ == state::connecting) {
        return on_setup_reply(reply);
    }
    if (!opts_.channels.empty() && push_kind(reply) == "message") {
        const auto& items = *reply.elements();
        const auto* channel = items[1].text();
        const auto* payload = items[2].text();
        if (channel == nullptr || payload == nullptr) {
            return fail("a message that is not two strings", redis_errc::protocol_error);
        }
        return opts_.on_message(*channel, *payload);
    }
    if (pending_.empty()) {
        return fail("a reply that no command asked for", redis_errc::protocol_error);
    }
    auto handler = std::move(pending_.front().handler);
    pending_.pop_front();
    handler({}, std::move(reply));
}

void redis_connection::do_write(const std::shared_ptr<link>& l) {
    if (l->write_in_flight || l->queued.empty()) {
        return;
    }
    // Everything queued meanwhile goes out in the next write: one system call for a pipeline.
    l->writing.swap(l->queued);
    l->queued.clear();
    l->write_in_flight = true;
    l->with_stream([this, &l](auto& stream) {
        net::async_write(
            stream, net::buffer(l->writing),
            [self = shared_from_this(), l](error_code ec, std::size_t) { self->on_write(l, ec); });
    });
}

void redis_connection::on_write(const std::shared_ptr<link>& l, error_code ec) {
    if (l != link_) {
        return;
    }
    l->write_in_flight = false;
    l->writing.clear();
    if (ec) {
        return fail("write: " + ec.message(), redis_errc::connection_lost);
    }
    do_write(l);
}

// One timer serves the whole FIFO: every command gets the same timeout and joins at the back, so
// the front's deadline is always the earliest. The timer is not moved when the front is answered;
// when it fires early it is simply armed again for the new front.
void redis_connection::arm_command_deadline() {
    if (command_timer_armed_ || pending_.empty()) {
        return;
    }
    command_timer_armed_ = true;
    command_timer_.expires_at(pending_.front().deadline);
    command_timer_.async_wait([self = shared_from_this(), l = link_](error_code ec) {
        self->on_command_deadline(l, ec);
    });
}

void redis_connection::on_command_deadline(const std::shared_ptr<link>& l, error_code) {
    if (l != link_) {
        return; // dropped meanwhile; a new link arms its own deadline
    }
    command_timer_armed_ = false;
    if (!pending_.empty() && pending_.front().deadline <= std::chrono::steady_clock::now()) {
        return fail("no reply within " + std::to_string(opts_.command_timeout.count()) + " ms",
                    redis_errc::timeout);
    }
    arm_command_deadline();
}

void redis_connection::fail(std::string reason, redis_errc first) {
    const bool was_up = drop_link(first, redis_errc::connection_lost);
    // A lost connection or the first failed attempt is worth a warning; the further attempts of
    // one outage are logged at debug level, so that an outage does not flood the log.
    if (was_up || failures_ == 0) {
        spdlog::warn("redis {}: {}", name_, reason);
    } else {
        spdlog::debug("redis {}: {}", name_, reason);
    }
    last_error_ = std::move(reason);
    state_ = state::waiting;
    ++failures_;
    const double jitter = std::uniform_real_distribution<double>(0.0, 1.0)(random_);
    retry_timer_.expires_after(backoff_delay(opts_.reconnect, failures_, jitter));
    retry_timer_.async_wait([self = shared_from_this()](error_code ec) {
        if (!ec && self->state_ == state::waiting) {
            self->do_connect();
        }
    });
    // Last, since the observer may call close(), which cancels the retry armed above.
    if (was_up && opts_.on_state_change) {
        opts_.on_state_change(false);
    }
}

bool redis_connection::drop_link(redis_errc first, redis_errc rest) {
    const bool was_up = state_ == state::up;
    if (auto l = std::exchange(link_, nullptr)) {
        error_code ignored; // the link's pending operations complete with an error
        l->socket().close(ignored);
    }
    resolver_.cancel();
    connect_timer_.cancel();
    command_timer_.cancel();
    command_timer_armed_ = false;
    setup_steps_.clear();
    // Every command whose deadline has passed as well gets a timeout, not only the oldest.
    const auto now = std::chrono::steady_clock::now();
    bool oldest = true;
    for (auto& p : std::exchange(pending_, {})) {
        const bool expired = first == redis_errc::timeout && p.deadline <= now;
        const error_code ec = oldest || expired ? first : rest;
        oldest = false;
        // Posted: close() may be called from a reply handler, which must not be re-entered.
        net::post(executor_, [handler = std::move(p.handler), ec] { handler(ec, {}); });
    }
    return was_up;
}

} // namespace kore_gateway
