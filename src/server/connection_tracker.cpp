#include "kore_gateway/server/connection_tracker.hpp"

#include <vector>

namespace kore_gateway {

bool connection_tracker::try_reserve() {
    std::lock_guard lock(mutex_);
    if (draining_ || open_.load(std::memory_order_relaxed) >= max_) {
        return false;
    }
    open_.fetch_add(1, std::memory_order_relaxed);
    metrics_.connection_opened();
    return true;
}

void connection_tracker::attach(const std::shared_ptr<drainable>& connection) {
    bool drain_now = false;
    {
        std::lock_guard lock(mutex_);
        connections_.emplace(connection.get(), connection);
        drain_now = draining_;
    }
    if (drain_now) {
        connection->drain();
    }
}

void connection_tracker::release(const drainable* connection) {
    std::function<void()> notify;
    {
        std::lock_guard lock(mutex_);
        connections_.erase(connection);
        metrics_.connection_closed();
        if (open_.fetch_sub(1, std::memory_order_relaxed) == 1 && draining_) {
            notify = std::move(on_empty_);
            on_empty_ = nullptr;
        }
    }
    if (notify) {
        notify();
    }
}

void connection_tracker::abort_all() {
    for (const auto& connection : live_connections()) {
        connection->abort();
    }
}

std::vector<std::shared_ptr<drainable>> connection_tracker::live_connections() const {
    std::vector<std::shared_ptr<drainable>> live;
    std::lock_guard lock(mutex_);
    for (const auto& [key, weak] : connections_) {
        if (auto connection = weak.lock()) {
            live.push_back(std::move(connection));
        }
    }
    return live;
}

void connection_tracker::drain(std::function<void()> on_empty) {
    bool empty_now = false;
    {
        std::lock_guard lock(mutex_);
        draining_ = true;
        empty_now = open_.load(std::memory_order_relaxed) == 0;
        if (!empty_now) {
            on_empty_ = std::move(on_empty);
        }
    }
    for (const auto& connection : live_connections()) {
        connection->drain();
    }
    if (empty_now && on_empty) {
        on_empty();
    }
}

} // namespace kore_gateway
