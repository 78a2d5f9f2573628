// The upstream_client of one origin for a gateway with one io_context per I/O thread: an
// https_client (pool) per thread, so that a request is sent on a connection of the thread that
// serves its client and never hops to another thread and back (see io_context_pool).
//
// The configured pool size is the bound for the origin as a whole: it is split between the
// threads (a thread's share may wait while another's is idle, as nginx workers do). When the
// bound is smaller than the number of threads, only that many pools exist and the threads share
// them. A request takes an idle connection of another thread rather than open a new one, so no
// request pays a handshake while an idle pooled connection exists.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

#include "kore_gateway/upstream/https_client.hpp"

namespace kore_gateway {

class per_thread_client final : public upstream_client {
public:
    // One executor per I/O thread (io_context_pool::executors()). tls == nullptr: plain http.
    // clk times every pool's deadlines (https_client::create).
    per_thread_client(const std::vector<net::io_context::executor_type>& threads, const url& origin,
                      const std::shared_ptr<ssl::context>& tls, const upstream_client_options& opts,
                      const clock& clk);

    void async_exchange(upstream_request req, upstream_callback done) override;

    // The pools together. Thread-safe.
    https_client::stats snapshot() const;
    // https_client::shutdown of every pool.
    void shutdown();

private:
    struct shard {
        net::io_context::executor_type executor;
        std::shared_ptr<https_client> client;
    };
    https_client& pick();

    std::vector<shard> shards_;
    std::atomic<std::size_t> next_{0}; // callers on no I/O thread take the pools in turn
};

} // namespace kore_gateway
