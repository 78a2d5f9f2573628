// Single-flight per key: concurrent misses for one key make one upstream request, and every
// caller gets its answer.
#pragma once

#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace kore_gateway {

// Result is whatever the caller fans out, failures included. A waiter runs on the thread that
// calls complete(); it should post to its own executor and must not throw, or the waiters after
// it would never be called.
template <class Result> class coalescer {
public:
    using waiter = std::function<void(const Result&)>;

    // Registers w under key. True: no flight was in progress, so the caller is the leader and
    // must fetch, then call complete(key, ...) exactly once.
    bool join(const std::string& key, waiter w) {
        std::lock_guard lock(mutex_);
        auto [it, leader] = flights_.try_emplace(key);
        it->second.push_back(std::move(w));
        ++waiting_;
        return leader;
    }

    // Ends the flight of key and hands result to each of its waiters, outside the lock so that a
    // waiter may join again (starting a new flight). Unknown keys are ignored.
    void complete(const std::string& key, const Result& result) {
        std::vector<waiter> waiters;
        {
            std::lock_guard lock(mutex_);
            auto it = flights_.find(key);
            if (it == flights_.end()) {
                return;
            }
            waiters = std::move(it->second);
            flights_.erase(it);
            waiting_ -= waiters.size();
        }
        for (auto& w : waiters) {
            w(result);
        }
    }

    std::size_t in_flight() const {
        std::lock_guard lock(mutex_);
        return flights_.size();
    }

    // Callers registered and not yet handed a result, leaders included.
    std::size_t waiting() const {
        std::lock_guard lock(mutex_);
        return waiting_;
    }

private:
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::vector<waiter>> flights_;
    std::size_t waiting_ = 0; // the sum of the flights' waiter counts, kept for scrapes
};

} // namespace kore_gateway
