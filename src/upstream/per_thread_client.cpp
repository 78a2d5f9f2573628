#include "kore_gateway/upstream/per_thread_client.hpp"

#include <algorithm>

namespace kore_gateway {

per_thread_client::per_thread_client(const std::vector<net::io_context::executor_type>& threads,
                                     const url& origin, const std::shared_ptr<ssl::context>& tls,
                                     const upstream_client_options& opts, const clock& clk) {
    const auto count = std::max<std::size_t>(1, std::min(threads.size(), opts.max_connections));
    for (std::size_t i = 0; i < count; ++i) {
        auto share = opts;
        // The bound split so that the shares add up to it exactly.
        share.max_connections = opts.max_connections / count + (i < opts.max_connections % count);
        shards_.push_back({threads[i], https_client::create(threads[i], origin, tls, share, clk)});
    }
}

https_client& per_thread_client::pick() {
    shard* own = nullptr;
    for (auto& s : shards_) {
        if (s.executor.running_in_this_thread()) {
            own = &s;
            break;
        }
    }
    if (own == nullptr) {
        own = &shards_[next_.fetch_add(1, std::memory_order_relaxed) % shards_.size()];
    }
    if (shards_.size() == 1 || own->client->snapshot().idle > 0) {
        return *own->client;
    }
    for (auto& s : shards_) {
        if (&s != own && s.client->snapshot().idle > 0) {
            return *s.client;
        }
    }
    return *own->client;
}

void per_thread_client::async_exchange(upstream_request req, upstream_callback done) {
    pick().async_exchange(std::move(req), std::move(done));
}

https_client::stats per_thread_client::snapshot() const {
    https_client::stats total{};
    for (const auto& s : shards_) {
        const auto one = s.client->snapshot();
        total.connections_opened += one.connections_opened;
        total.idle += one.idle;
        total.busy += one.busy;
        total.waiting += one.waiting;
    }
    return total;
}

void per_thread_client::shutdown() {
    for (const auto& s : shards_) {
        s.client->shutdown();
    }
}

} // namespace kore_gateway
