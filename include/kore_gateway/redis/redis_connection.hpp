// One RESP2 connection to Redis on Asio: it connects (resolving on Asio, TLS for rediss://),
// authenticates and selects the database, pipelines commands with a FIFO of pending replies,
// bounds each command by a deadline and reconnects on its own, with jittered backoff, after any
// failure.
//
// Not thread-safe: a connection belongs to one executor, and is used only from the thread that
// runs it (or before that thread starts). The plan is one command connection per I/O thread, on
// that thread's io_context, like the upstream clients.
//
// Commands are never queued while the connection is down or still connecting: they fail at once
// with redis_errc::not_connected, so that Redis being away never makes a caller wait.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <initializer_list>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kore_gateway/net.hpp"
#include "kore_gateway/redis/redis_error.hpp"
#include "kore_gateway/redis/redis_url.hpp"
#include "kore_gateway/redis/resp.hpp"
#include "kore_gateway/util/backoff.hpp"

namespace kore_gateway {

struct redis_connection_options {
    redis_url url;
    std::string password; // AUTH [user] password after connecting; empty: no AUTH
    std::string client_name = "kore-gateway"; // CLIENT SETNAME, so that CLIENT LIST tells us apart
    // Past it a command fails with redis_errc::timeout and the connection is dropped, since a
    // late reply could no longer be told from the next command's (GATEWAY_REDIS_TIMEOUT_MS).
    std::chrono::milliseconds command_timeout{50};
    // Resolving, connecting, the TLS handshake and the AUTH/SELECT/SETNAME replies, together.
    std::chrono::milliseconds connect_timeout{1000};
    // Between reconnection attempts; the contract caps it at 5 s.
    backoff_policy reconnect{std::chrono::milliseconds(100), std::chrono::seconds(5)};
    std::size_t max_reply_bytes = 64 * 1024 * 1024; // a larger reply is a protocol error
    // Told true once the connection is ready for commands, false when it is lost (not on close).
    std::function<void(bool up)> on_state_change;

    // Subscriber mode: with channels, the connection SUBSCRIBEs to them on every (re)connect, is
    // up once Redis has confirmed each, and hands every message published on them to on_message.
    // Messages published while it was down are lost: on_state_change(true) marks the points
    // after which a subscriber must assume it missed some. Only PING may be sent on it (Redis
    // refuses most commands on a subscribed connection); its reply is ["pong", ""].
    std::vector<std::string> channels;
    std::function<void(const std::string& channel, const std::string& payload)> on_message;
};

class redis_connection : public std::enable_shared_from_this<redis_connection> {
    struct private_tag {};

public:
    using executor_type = net::io_context::executor_type;
    // ec is set when no reply came (redis_errc); an error reply from Redis is a resp_error value.
    using reply_handler = std::function<void(error_code ec, resp_value reply)>;

    // tls must be a client context (make_client_tls_context) when opts.url is rediss://, and
    // on_message must be set when channels are. Throws std::invalid_argument otherwise.
    static std::shared_ptr<redis_connection> create(executor_type ex, redis_connection_options opts,
                                                    std::shared_ptr<ssl::context> tls = nullptr);
    redis_connection(private_tag, executor_type ex, redis_connection_options opts,
                     std::shared_ptr<ssl::context> tls);
    ~redis_connection();
    redis_connection(const redis_connection&) = delete;
    redis_connection& operator=(const redis_connection&) = delete;

    // Starts connecting; from then on the connection keeps itself connected until close().
    void start();

    // Sends one command (binary-safe arguments) behind those already in flight. handler is
    // called once, on the executor, never from inside async_exec: with the reply, or with
    // not_connected, timeout, connection_lost, protocol_error or closed.
    void async_exec(std::span<const std::string_view> args, reply_handler handler);
    void async_exec(std::initializer_list<std::string_view> args, reply_handler handler);

    // Closes for good: the commands in flight fail with redis_errc::closed.
    void close();

    bool is_up() const { return state_ == state::up; }
    // Why the last connection attempt or connection failed, for logs and tests ("AUTH: WRONGPASS
    // invalid username-password pair or user is disabled."); empty before any failure.
    const std::string& last_error() const { return last_error_; }

private:
    enum class state { idle, connecting, up, waiting, closed };
    struct link;
    struct pending {
        reply_handler handler;
        std::chrono::steady_clock::time_point deadline;
    };
    using timer_type =
        net::basic_waitable_timer<std::chrono::steady_clock,
                                  net::wait_traits<std::chrono::steady_clock>, executor_type>;
    using resolver_type = net::ip::basic_resolver<tcp, executor_type>;

    void do_connect();
    void on_connect_deadline(const std::shared_ptr<link>& l, error_code ec);
    void on_resolve(const std::shared_ptr<link>& l, error_code ec,
                    const tcp::resolver::results_type& results);
    void on_connect(const std::shared_ptr<link>& l, error_code ec);
    void on_handshake(const std::shared_ptr<link>& l, error_code ec);
    void do_setup(const std::shared_ptr<link>& l);
    void on_setup_reply(const resp_value& reply);
    void do_read(const std::shared_ptr<link>& l);
    void on_read(const std::shared_ptr<link>& l, error_code ec, std::size_t bytes);
    void on_reply(resp_value reply);
    void do_write(const std::shared_ptr<link>& l);
    void on_write(const std::shared_ptr<link>& l, error_code ec);
    void arm_command_deadline();
    void on_command_deadline(const std::shared_ptr<link>& l, error_code ec);
    // Drops the connection and schedules the next attempt: the oldest command fails with first,
    // the others with connection_lost.
    void fail(std::string reason, redis_errc first);
    // Ends the current link (closing its socket) and fails every pending command, the oldest
    // with first, the rest with rest. Returns whether the connection was up.
    bool drop_link(redis_errc first, redis_errc rest);

    executor_type executor_;
    redis_connection_options opts_;
    std::shared_ptr<ssl::context> tls_;
    std::string name_; // the URL, for logs

    state state_ = state::idle;
    std::shared_ptr<link> link_; // the current TCP/TLS connection, fresh for every attempt
    std::deque<pending> pending_;
    std::vector<std::string> setup_steps_; // the setup commands whose replies are still due
    resolver_type resolver_;
    timer_type connect_timer_;
    timer_type command_timer_;
    bool command_timer_armed_ = false;
    timer_type retry_timer_;
    int failures_ = 0; // consecutive failed attempts, for the backoff
    std::minstd_rand random_;
    std::string last_error_;
};

} // namespace kore_gateway
