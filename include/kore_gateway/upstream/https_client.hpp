// The upstream_client of one origin: HTTPS (or plain HTTP when the configuration allows it) over
// a bounded pool of keep-alive connections that are reused from request to request.
//
// The client belongs to one io_context, which must be run by exactly one thread (an
// io_context_pool context): that thread serialises the connections' handlers, so they need no
// strand. The executor is the concrete io_context one, not Asio's type-erased any_io_executor:
// profiles of the forward path named the type-erased copies, and the heap allocation that a
// strand wrapped in one costs on every asynchronous operation, among its top costs.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "kore_gateway/net.hpp"
#include "kore_gateway/upstream/connection_pool.hpp"
#include "kore_gateway/upstream/upstream_client.hpp"
#include "kore_gateway/util/clock.hpp"
#include "kore_gateway/util/timer.hpp"
#include "kore_gateway/util/url.hpp"

namespace kore_gateway {

class upstream_connection;

struct upstream_client_options {
    std::size_t max_connections = 64;         // bound per origin (busy + idle)
    std::chrono::milliseconds timeout{10000}; // the whole exchange, waiting for a slot included
    std::size_t max_response_bytes = 16 * 1024 * 1024; // header + body; over it: invalid_response
    std::chrono::milliseconds idle_timeout{30000}; // idle pooled connections are closed after it
};

class https_client final : public upstream_client,
                           public std::enable_shared_from_this<https_client> {
    struct private_tag {};

public:
    using executor_type = net::io_context::executor_type;

    // tls == nullptr: plain http (only used when the configuration allows insecure upstreams).
    // ex's io_context must be run by one thread (see above). clk times the deadlines and the idle
    // sweep; it must outlive the client.
    static std::shared_ptr<https_client> create(executor_type ex, url origin,
                                                std::shared_ptr<ssl::context> tls,
                                                upstream_client_options opts, const clock& clk);

    https_client(private_tag, executor_type ex, url origin, std::shared_ptr<ssl::context> tls,
                 upstream_client_options opts, const clock& clk);
    ~https_client() override;
    https_client(const https_client&) = delete;
    https_client& operator=(const https_client&) = delete;

    // Writes req with Host and its Content-Length (upstream_request::write_to) on a pooled
    // connection. Callable from any thread; done is always called later, once.
    void async_exchange(upstream_request req, upstream_callback done) override;

    struct stats {
        std::uint64_t connections_opened; // fresh connections started since creation
        std::size_t idle;
        std::size_t busy; // in use or being opened
        std::size_t waiting;
    };
    // Thread-safe.
    stats snapshot() const;

    // Closes the idle connections and fails the waiting requests (connect_failed); connections in
    // use are closed when their exchange ends, and later requests fail at once. For gateway stop.
    void shutdown();

private:
    using connection = upstream_connection;
    class lease;
    class exchange;
    using pool_type = connection_pool<std::shared_ptr<connection>, std::shared_ptr<exchange>>;
    using timer_type = clock_timer<executor_type>;

    // A healthy connection back from an exchange: to the first waiter, else idle.
    void give_back(std::shared_ptr<connection> c);
    // A slot whose connection is closed or was never opened: to the first waiter, else free.
    void discard_slot();
    void serve(pool_type::handoff h);
    // Called under mutex_: sweeps the idle list when its oldest connection expires.
    void arm_sweep();
    void on_sweep(error_code ec);

    executor_type executor_;
    url origin_;
    std::string origin_name_; // for logs
    std::string host_header_;
    std::string port_text_;                // for the resolver
    std::optional<tcp::endpoint> literal_; // the origin's host is an IP address: no resolve
    std::shared_ptr<ssl::context> tls_;    // null: plain http
    upstream_client_options opts_;
    const clock& clock_;
    std::atomic<std::uint64_t> opened_{0};

    mutable std::mutex mutex_; // guards pool_, sweep_timer_ and the waiters' timers
    pool_type pool_;
    timer_type sweep_timer_;
    bool sweep_armed_ = false;
};

} // namespace kore_gateway
