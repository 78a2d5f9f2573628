#include "kore_gateway/upstream/https_client.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include <spdlog/spdlog.h>

#include "kore_gateway/upstream/answer_parser.hpp"
#include "kore_gateway/upstream/tls_context.hpp"
#include "kore_gateway/upstream/tls_socket.hpp"
#include "kore_gateway/upstream/upstream_connection.hpp"

namespace kore_gateway {

std::string_view to_string(upstream_errc e) {
    switch (e) {
    case upstream_errc::ok:
        return "ok";
    case upstream_errc::connect_failed:
        return "connect_failed";
    case upstream_errc::tls_failed:
        return "tls_failed";
    case upstream_errc::connection_reset:
        return "connection_reset";
    case upstream_errc::timeout:
        return "timeout";
    case upstream_errc::invalid_response:
        return "invalid_response";
    }
    return "unknown";
}

namespace {

// Only these may be sent twice: the retry on a fresh connection must not repeat a side effect.
bool is_idempotent(http::verb method) {
    return method == http::verb::get || method == http::verb::head || method == http::verb::options;
}

// Why writing a request or reading its answer failed, once the connection was established.
// (An operation ended by the exchange's deadline is reported as a timeout by fail().)
upstream_errc classify_io_error(const error_code& ec) {
    // The peer closed the connection before or during the answer: the transport broke.
    if (ec == http::error::end_of_stream || ec == http::error::partial_message) {
        return upstream_errc::connection_reset;
    }
    // Every other parser error means bytes arrived that are not an acceptable HTTP answer.
    if (ec.category() == make_error_code(http::error::end_of_stream).category()) {
        return upstream_errc::invalid_response;
    }
    return upstream_errc::connection_reset;
}

} // namespace

// A slot taken from the pool, with its connection once there is one. Unless it is given back as
// reusable, the slot returns to the pool, its connection closed, when the lease goes out of scope.
class https_client::lease {
public:
    explicit lease(https_client& owner) : owner_(owner) {}
    ~lease() { discard(); }
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;

    // Holds a slot from now on, with c in it (a fresh connection replaces a broken one).
    void take(std::shared_ptr<connection> c) {
        held_ = true;
        connection_ = std::move(c);
    }
    connection& get() const { return *connection_; }

    // The connection is healthy and may carry another request.
    void give_back() {
        if (held_) {
            held_ = false;
            connection_->unwatch();
            owner_.give_back(std::move(connection_));
        }
    }
    // The connection is closed and its slot freed.
    void discard() {
        if (held_) {
            held_ = false;
            connection_.reset();
            owner_.discard_slot();
        }
    }

private:
    https_client& owner_;
    std::shared_ptr<connection> connection_;
    bool held_ = false;
};

// One request's way through the pool: waiting for a slot, opening a connection when no idle one
// is left, writing the request and reading the answer, all before one deadline.
class https_client::exchange : public std::enable_shared_from_this<exchange> {
public:
    exchange(std::shared_ptr<https_client> client, upstream_request req, upstream_callback done)
        : client_(std::move(client)), req_(std::move(req)), done_(std::move(done)),
          deadline_(client_->clock_.now() +
                    (req_.timeout().count() > 0 ? req_.timeout() : client_->opts_.timeout)),
          lease_(*client_) {}

    // Asks the pool for a slot; called once, from any thread.
    void start() {
        auto self = shared_from_this();
        auto& owner = *client_;
        std::unique_lock lock(owner.mutex_);
        auto got = owner.pool_.acquire(self, owner.clock_.now());
        if (got.step == acquire_step::wait) {
            wait_timer_.emplace(owner.executor_, owner.clock_, deadline_);
            wait_timer_->async_wait(beast::bind_front_handler(&exchange::on_wait_timeout, self));
            return;
        }
        lock.unlock();
        if (got.step == acquire_step::reuse) {
            run(std::move(got.connection));
        } else if (got.step == acquire_step::open) {
            open();
        } else {
            net::post(owner.executor_, [self] { self->finish(upstream_errc::connect_failed); });
        }
    }

    // Holds a slot with an idle connection in it. On the client's own thread (the usual case:
    // per_thread_client calls from it) the request is written at once rather than after a trip
    // through the scheduler; done is still called later, since do_write reaches it only through
    // an asynchronous operation or a post.
    void run(std::shared_ptr<connection> c) {
        reused_ = true;
        lease_.take(std::move(c));
        net::dispatch(client_->executor_,
                      beast::bind_front_handler(&exchange::do_write, shared_from_this()));
    }

    // Holds a slot with no connection in it, or one whose connection died.
    void open() {
        reused_ = false;
        lease_.take(
            std::make_shared<connection>(client_->executor_, client_->tls_.get(), client_->clock_));
        client_->opened_.fetch_add(1, std::memory_order_relaxed);
        net::post(client_->executor_,
                  beast::bind_front_handler(&exchange::do_resolve, shared_from_this()));
    }

    // Completes the exchange; the slot, if any, was given back before.
    void finish(upstream_errc e, upstream_response res = {}) {
        if (resolve_timer_) {
            // Also releases the exchange, which the pending wait holds, at once.
            resolve_timer_->cancel();
        }
        done_(upstream_result{e, std::move(res), retried_});
    }

    // Armed only while the exchange waits for a slot; guarded by the client's mutex.
    std::optional<timer_type> wait_timer_;

private:
    void on_wait_timeout(error_code ec) {
        if (ec == net::error::operation_aborted) {
            return; // a slot came, or the pool shut down
        }
        {
            std::lock_guard lock(client_->mutex_);
            if (!client_->pool_.cancel(shared_from_this())) {
                return; // served just before the timer fired: do_write finds the deadline past
            }
        }
        finish(upstream_errc::timeout);
    }

    // The deadline bounds the resolve with a timer of the exchange's own, armed only when the
    // origin is a host name and a connection is opened; from connecting to the answer's last
    // byte, the connection watches it (upstream_connection::watch). At the deadline the resolve
    // is cancelled, and fail() reports the timeout.
    void on_resolve_deadline(error_code ec) {
        if (ec == net::error::operation_aborted || !resolving_) {
            return; // the exchange ended, or the resolve completed first
        }
        resolving_ = false;
        resolver_->cancel();
        fail("resolve", beast::error::timeout, upstream_errc::timeout);
    }

    void do_resolve() {
        if (client_->clock_.now() >= deadline_) {
            return fail("connect", beast::error::timeout, upstream_errc::timeout);
        }
        auto& conn = lease_.get();
        if (auto* tls = conn.tls()) {
            if (const auto ec = set_tls_peer(tls->native_handle(), client_->origin_.host)) {
                return fail("tls setup", ec, upstream_errc::tls_failed);
            }
        }
        if (client_->literal_) {
            conn.watch(deadline_);
            conn.tcp().async_connect(
                *client_->literal_,
                beast::bind_front_handler(&exchange::on_connect, shared_from_this()));
            return;
        }
        resolving_ = true;
        resolve_timer_.emplace(client_->executor_, client_->clock_, deadline_);
        resolve_timer_->async_wait(
            beast::bind_front_handler(&exchange::on_resolve_deadline, shared_from_this()));
        resolver_.emplace(client_->executor_);
        resolver_->async_resolve(
            client_->origin_.host, client_->port_text_,
            beast::bind_front_handler(&exchange::on_resolve, shared_from_this()));
    }

    void on_resolve(error_code ec, tcp::resolver::results_type results) {
        if (!resolving_) {
            return; // the deadline passed first and the exchange is over
        }
        resolving_ = false;
        resolve_timer_->cancel();
        if (ec) {
            return fail("resolve", ec, upstream_errc::connect_failed);
        }
        lease_.get().watch(deadline_);
        net::async_connect(
            lease_.get().tcp(), results,
            [self = shared_from_this()](error_code connect_ec, const tcp::endpoint&) {
                self->on_connect(connect_ec);
            });
    }

    void on_connect(error_code ec) {
        if (ec) {
            return fail("connect", ec, upstream_errc::connect_failed);
        }
        // Each request is written whole; Nagle's algorithm would only hold a TLS record's tail
        // back until the previous answer's ACK. Best effort: failing to set it changes no answer.
        error_code nodelay_ec;
        lease_.get().tcp().set_option(tcp::no_delay(true), nodelay_ec);
        if (auto* tls = lease_.get().tls()) {
            // The watch begun before connecting bounds the handshake too.
            tls->async_handshake(
                beast::bind_front_handler(&exchange::on_handshake, shared_from_this()));
            return;
        }
        do_write();
    }

    void on_handshake(error_code ec, std::size_t) {
        if (ec) {
            return fail("handshake", ec, upstream_errc::tls_failed);
        }
        do_write();
    }

    void do_write() {
        if (client_->clock_.now() >= deadline_) {
            // The slot came too late; the connection itself is fine.
            lease_.give_back();
            return net::post(client_->executor_,
                             [self = shared_from_this()] { self->finish(upstream_errc::timeout); });
        }
        // A request that may not be sent twice (a POST) first checks that the pooled connection
        // was not closed while it sat idle: sending on it would fail, and could not be retried.
        // An idempotent one skips the check, a system call on every forward that nearly always
        // finds the connection alive: on a closed one it fails before any answer byte and is
        // sent again on a fresh connection (fail_io).
        if (reused_ && !is_idempotent(req_.method()) && lease_.get().closed_by_peer()) {
            spdlog::debug("upstream {}: pooled connection closed by the peer, opening a new one",
                          client_->origin_name_);
            return open();
        }
        const auto limit = client_->opts_.max_response_bytes;
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(
            std::min<std::size_t>(limit, std::numeric_limits<std::uint32_t>::max())));
        parser_->body_limit(limit);
        parser_->skip(req_.method() == http::verb::head);
        auto& conn = lease_.get();
        conn.watch(deadline_);
        // One buffer, one TLS record: the header, then the body (a price body is small).
        auto& wire = conn.write_buffer();
        wire.clear();
        req_.write_to(wire, client_->host_header_);
        conn.with_stream([this, &wire](auto& stream) {
            net::async_write(stream, net::buffer(wire),
                             beast::bind_front_handler(&exchange::on_write, shared_from_this()));
        });
    }

    void on_write(error_code ec, std::size_t) {
        if (ec) {
            return fail_io("write", ec);
        }
        auto& conn = lease_.get();
        conn.with_stream([this, &conn](auto& stream) {
            http::async_read(stream, conn.buffer(), *parser_,
                             beast::bind_front_handler(&exchange::on_read, shared_from_this()));
        });
    }

    void on_read(error_code ec, std::size_t bytes) {
        if (ec) {
            return fail_io("read", ec);
        }
        if (bytes > client_->opts_.max_response_bytes) {
            return fail("read", http::error::body_limit, upstream_errc::invalid_response);
        }
        // Bytes past the answer mean the peer does not speak the HTTP we do: never reuse that.
        const bool reusable = parser_->keep_alive() && lease_.get().buffer().size() == 0;
        auto res = parser_->release();
        if (reusable) {
            lease_.give_back();
        } else {
            lease_.discard();
        }
        finish(upstream_errc::ok, std::move(res));
    }

    void fail_io(std::string_view phase, error_code ec) {
        const auto reason = classify_io_error(ec);
        // A pooled connection that the server closed while it sat idle breaks before any answer
        // byte: that request never reached the application, so it is safe to send it again.
        if (reason == upstream_errc::connection_reset && reused_ && !retried_ &&
            !parser_->got_some() && is_idempotent(req_.method()) &&
            client_->clock_.now() < deadline_) {
            retried_ = true;
            spdlog::debug("upstream {}: pooled connection closed ({}), retrying on a fresh one",
                          client_->origin_name_, ec.message());
            return open();
        }
        fail(phase, ec, reason);
    }

    void fail(std::string_view phase, error_code ec, upstream_errc reason) {
        if (ec == beast::error::timeout || client_->clock_.now() >= deadline_) {
            reason = upstream_errc::timeout;
        }
        spdlog::debug("upstream {}: {} failed: {} ({})", client_->origin_name_, phase, ec.message(),
                      to_string(reason));
        lease_.discard();
        finish(reason);
    }

    std::shared_ptr<https_client> client_;
    upstream_request req_;
    upstream_callback done_;
    clock::time_point deadline_;
    lease lease_; // after client_: gives the slot back before the client may go
    bool reused_ = false;
    bool retried_ = false;
    bool resolving_ = false;
    std::optional<net::ip::basic_resolver<net::ip::tcp, executor_type>> resolver_;
    std::optional<timer_type> resolve_timer_;
    std::optional<answer_parser> parser_;
};

std::shared_ptr<https_client> https_client::create(executor_type ex, url origin,
                                                   std::shared_ptr<ssl::context> tls,
                                                   upstream_client_options opts, const clock& clk) {
    return std::make_shared<https_client>(private_tag{}, std::move(ex), std::move(origin),
                                          std::move(tls), opts, clk);
}

https_client::https_client(private_tag, executor_type ex, url origin,
                           std::shared_ptr<ssl::context> tls, upstream_client_options opts,
                           const clock& clk)
    : executor_(std::move(ex)), origin_(std::move(origin)), origin_name_(origin_.origin()),
      host_header_(origin_.host_header()), port_text_(std::to_string(origin_.port)),
      tls_(std::move(tls)), opts_(opts), clock_(clk),
      pool_(opts.max_connections, opts.idle_timeout), sweep_timer_(executor_, clk) {
    error_code ec;
    const auto address = net::ip::make_address(origin_.host, ec);
    if (!ec) {
        literal_.emplace(address, origin_.port);
    }
}

https_client::~https_client() = default;

void https_client::async_exchange(upstream_request req, upstream_callback done) {
    std::make_shared<exchange>(shared_from_this(), std::move(req), std::move(done))->start();
}

https_client::stats https_client::snapshot() const {
    std::lock_guard lock(mutex_);
    return {opened_.load(std::memory_order_relaxed), pool_.idle(), pool_.busy(), pool_.waiting()};
}

void https_client::shutdown() {
    std::unique_lock lock(mutex_);
    auto drained = pool_.shutdown();
    sweep_timer_.cancel();
    for (const auto& waiter : drained.waiters) {
        waiter->wait_timer_->cancel();
    }
    lock.unlock();
    for (auto& waiter : drained.waiters) {
        net::post(executor_, [waiter] { waiter->finish(upstream_errc::connect_failed); });
    }
    // drained.idle goes out of scope here, outside the lock: those connections close.
}

void https_client::give_back(std::shared_ptr<connection> c) {
    std::unique_lock lock(mutex_);
    auto h = pool_.release(std::move(c), clock_.now());
    if (h.waiter) {
        h.waiter->wait_timer_->cancel();
    } else if (h.step == release_step::none && !sweep_armed_) {
        arm_sweep();
    }
    lock.unlock();
    serve(std::move(h));
}

void https_client::discard_slot() {
    std::unique_lock lock(mutex_);
    auto h = pool_.discard();
    if (h.waiter) {
        h.waiter->wait_timer_->cancel();
    }
    lock.unlock();
    serve(std::move(h));
}

void https_client::serve(pool_type::handoff h) {
    if (h.step == release_step::reuse) {
        h.waiter->run(std::move(h.connection));
    } else if (h.step == release_step::open) {
        h.waiter->open();
    }
    // release_step::close: h.connection closes as h goes out of scope.
}

void https_client::arm_sweep() {
    const auto when = pool_.next_expiry();
    if (!when) {
        return;
    }
    sweep_armed_ = true;
    sweep_timer_.expires_at(*when);
    // A weak reference: idle connections alone do not keep the client alive.
    sweep_timer_.async_wait([weak = weak_from_this()](error_code ec) {
        if (auto self = weak.lock()) {
            self->on_sweep(ec);
        }
    });
}

void https_client::on_sweep(error_code ec) {
    if (ec == net::error::operation_aborted) {
        return; // shut down
    }
    std::unique_lock lock(mutex_);
    sweep_armed_ = false;
    auto expired = pool_.expire_idle(clock_.now());
    arm_sweep();
    lock.unlock();
    // expired goes out of scope here, outside the lock: those connections close.
}

} // namespace kore_gateway
