// The Redis side of one gateway process (CONTRACT.md section 13): one command connection per I/O
// thread, so that a command is sent and answered on the thread of the request that needs it, one
// subscriber connection for the replicas' notices, and one breaker that stops asking a Redis that
// keeps failing.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kore_gateway/gateway/circuit_breaker.hpp"
#include "kore_gateway/redis/redis_connection.hpp"

namespace kore_gateway {

struct redis_settings {
    redis_url url;
    std::string password;
    std::chrono::milliseconds timeout{50}; // GATEWAY_REDIS_TIMEOUT_MS
    std::string key_prefix;                // GATEWAY_REDIS_KEY_PREFIX
};

class redis_links {
public:
    using executor_type = net::io_context::executor_type;
    using message_fn = std::function<void(const std::string& payload)>;

    // Failures in a row that open the breaker, and how long it then stays open: short enough
    // that a Redis that is back is used again well within the contract's 10 s.
    static constexpr unsigned failures_to_open = 5;
    static constexpr std::chrono::seconds open_for{2};

    // One command connection per executor in threads. The subscriber listens on channel() and
    // hands every message to on_message; on_resubscribed runs (on the first executor) each time
    // it is subscribed, the first time included: notices sent while it was not may be lost.
    // tls: a client context, needed for rediss://.
    redis_links(const std::vector<executor_type>& threads, redis_settings settings,
                std::shared_ptr<ssl::context> tls, const clock& clk, message_fn on_message,
                std::function<void()> on_resubscribed);
    ~redis_links();
    redis_links(const redis_links&) = delete;
    redis_links& operator=(const redis_links&) = delete;

    void start();
    // Calls ready (on the first executor) once the first thread's command connection is up, or
    // once bound has passed without it: the token providers, which run on that thread, start
    // then, so that replicas starting together find each other's token.
    void when_ready(std::chrono::milliseconds bound, std::function<void()> ready);
    // Closes every connection; commands in flight fail with redis_errc::closed.
    void stop();

    // Sends one command on the calling I/O thread's connection. Fails at once (on that thread,
    // never inside exec) with redis_errc::not_connected while the breaker is open or when called
    // from no I/O thread. A reply or a transport failure is reported to the breaker; an error
    // reply is not a transport failure.
    void exec(std::span<const std::string_view> args, redis_connection::reply_handler handler);
    void exec(std::initializer_list<std::string_view> args,
              redis_connection::reply_handler handler) {
        exec(std::span(args.begin(), args.size()), std::move(handler));
    }

    // The executor of the calling I/O thread; nullopt on any other thread.
    std::optional<executor_type> executor_here() const;

    // The key or channel name with the configured prefix.
    std::string key(std::string_view name) const {
        return settings_.key_prefix + std::string(name);
    }
    const std::string& channel() const { return channel_; }
    std::chrono::milliseconds timeout() const { return settings_.timeout; }

    // Every connection up: kore_gateway_redis_up. (The breaker is not part of it: it learns
    // that Redis is back only from a request's probe.)
    bool is_up() const;

private:
    struct shard {
        executor_type executor;
        std::shared_ptr<redis_connection> connection;
    };
    redis_connection_options options_for(std::string client_name) const;
    // The calling I/O thread's shard; null on any other thread.
    const shard* shard_here() const;

    const clock& clock_;
    redis_settings settings_;
    std::shared_ptr<ssl::context> tls_;
    std::string channel_;
    std::shared_ptr<circuit_breaker> breaker_;
    std::vector<shard> shards_; // the command connections
    shard subscriber_;
    // Connections up, the subscriber included: written from their threads, read by scrapes.
    std::shared_ptr<std::atomic<std::size_t>> up_ = std::make_shared<std::atomic<std::size_t>>(0);
};

} // namespace kore_gateway
