// Knows every open client connection: enforces GATEWAY_MAX_CONNECTIONS, reports the count to
// metrics, and tells each connection to finish up when the gateway drains.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "kore_gateway/metrics/gateway_metrics.hpp"

namespace kore_gateway {

// What the tracker needs from a connection; implemented by session.
class drainable {
public:
    virtual ~drainable() = default;
    // Finish the exchange in progress (if any), then close. Called from any thread.
    virtual void drain() = 0;
    // Close at once, whatever is in progress. Called only once no I/O thread runs any more.
    virtual void abort() = 0;
};

class connection_tracker {
public:
    connection_tracker(std::size_t max_connections, gateway_metrics& metrics)
        : max_(max_connections), metrics_(metrics) {}

    // Reserves a slot; false when the limit is reached or the gateway is draining.
    bool try_reserve();
    // Binds a reserved slot to its connection (so that drain can reach it).
    void attach(const std::shared_ptr<drainable>& connection);
    // Gives the slot back when a connection ends (reserved or attached).
    void release(const drainable* connection);

    // Stops new connections and asks every open one to drain; on_empty runs (on the thread of
    // the last release, or right away) once none is left.
    void drain(std::function<void()> on_empty);

    // Closes every connection still open: the hard second phase of a shutdown whose drain bound
    // was reached. Call only after the I/O threads have stopped.
    void abort_all();

    std::size_t open() const { return open_.load(std::memory_order_relaxed); }

private:
    std::vector<std::shared_ptr<drainable>> live_connections() const;

    const std::size_t max_;
    gateway_metrics& metrics_;
    std::atomic<std::size_t> open_{0};
    mutable std::mutex mutex_;
    std::unordered_map<const drainable*, std::weak_ptr<drainable>> connections_;
    bool draining_ = false;
    std::function<void()> on_empty_;
};

} // namespace kore_gateway
