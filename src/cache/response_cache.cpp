#include "kore_gateway/cache/response_cache.hpp"

#include <algorithm>
#include <mutex>
#include <utility>
#include <vector>

namespace kore_gateway {
namespace {

std::size_t entry_bytes(std::string_view key, const cached_response& entry) {
    return key.size() + entry.content_type.size() + entry.etag.size() +
           shared_body::size(entry.body) + response_cache::entry_overhead;
}

} // namespace

response_cache::response_cache(std::size_t max_bytes, const clock& clock_source)
    : max_bytes_(max_bytes), clock_(clock_source) {}

std::optional<cache_lookup> response_cache::find(std::string_view key) {
    {
        const auto now = clock_.now();
        std::shared_lock lock(mutex_);
        const auto it = map_.find(key);
        if (it == map_.end()) {
            return std::nullopt;
        }
        if (auto found = hit(it->second, now)) {
            return found;
        }
    }
    // Past its stale window. A shared lock cannot be upgraded, so it was released; meanwhile
    // another thread may have erased or replaced the entry, hence the second look.
    const auto now = clock_.now();
    std::unique_lock lock(mutex_);
    const auto it = map_.find(key);
    if (it == map_.end()) {
        return std::nullopt;
    }
    if (auto found = hit(it->second, now)) {
        return found;
    }
    bytes_ -= it->second.bytes;
    map_.erase(it);
    return std::nullopt;
}

std::optional<cache_lookup> response_cache::hit(slot& s, clock::time_point now) {
    if (now >= s.entry->stale_until) {
        return std::nullopt;
    }
    touch(s);
    return cache_lookup{s.entry, now < s.entry->expires_at ? freshness::fresh : freshness::stale};
}

void response_cache::touch(slot& s) {
    // The most recent entry keeps its tick, so that a burst of hits on one hot key only reads
    // shared cache lines instead of bouncing them between cores.
    const auto last = s.last_used.load(std::memory_order_relaxed);
    if (last + 1 == next_tick_.load(std::memory_order_relaxed)) {
        return;
    }
    const auto tick = next_tick_.fetch_add(1, std::memory_order_relaxed);
    // Two readers of one entry may store out of order; the newer tick must win.
    auto current = last;
    while (current < tick &&
           !s.last_used.compare_exchange_weak(current, tick, std::memory_order_relaxed)) {
    }
}

bool response_cache::insert(std::string key, std::shared_ptr<const cached_response> entry) {
    if (!entry) {
        return false;
    }
    const auto bytes = entry_bytes(key, *entry);
    if (bytes > max_bytes_) {
        return false;
    }
    std::unique_lock lock(mutex_);
    const auto tick = next_tick_.fetch_add(1, std::memory_order_relaxed);
    if (auto it = map_.find(key); it != map_.end()) {
        bytes_ -= it->second.bytes;
        it->second.entry = std::move(entry);
        it->second.bytes = bytes;
        it->second.last_used.store(tick, std::memory_order_relaxed);
    } else {
        map_.try_emplace(std::move(key), std::move(entry), bytes, tick);
    }
    bytes_ += bytes;
    evict_to_fit();
    return true;
}

void response_cache::evict_to_fit() {
    if (bytes_ <= max_bytes_) {
        return;
    }
    // One scan into a min-heap of ticks, then as many pops as needed: a large entry that pushes
    // out many small ones stays O(entries + evicted * log entries).
    std::vector<std::pair<std::uint64_t, map_type::iterator>> by_age;
    by_age.reserve(map_.size());
    for (auto it = map_.begin(); it != map_.end(); ++it) {
        by_age.emplace_back(it->second.last_used.load(std::memory_order_relaxed), it);
    }
    const auto newer = [](const auto& l, const auto& r) { return l.first > r.first; };
    std::make_heap(by_age.begin(), by_age.end(), newer);
    // The entry just inserted has the newest tick and fits alone, so it is never reached.
    while (bytes_ > max_bytes_) {
        std::pop_heap(by_age.begin(), by_age.end(), newer);
        const auto victim = by_age.back().second;
        by_age.pop_back();
        bytes_ -= victim->second.bytes;
        map_.erase(victim);
        ++evictions_;
    }
}

std::size_t response_cache::purge() {
    std::unique_lock lock(mutex_);
    const auto purged = map_.size();
    map_.clear();
    bytes_ = 0;
    return purged;
}

std::size_t response_cache::erase_if(const std::function<bool(const cache_tags&)>& drop) {
    std::unique_lock lock(mutex_);
    std::size_t erased = 0;
    for (auto it = map_.begin(); it != map_.end();) {
        if (drop(it->second.entry->tags)) {
            bytes_ -= it->second.bytes;
            it = map_.erase(it);
            ++erased;
        } else {
            ++it;
        }
    }
    return erased;
}

response_cache::stats response_cache::snapshot() const {
    std::shared_lock lock(mutex_);
    return {map_.size(), bytes_, evictions_};
}

} // namespace kore_gateway
