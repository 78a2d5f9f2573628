// The byte-bounded, least-recently-used store of upstream answers, with a TTL and a stale window.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "kore_gateway/http/shared_body.hpp"
#include "kore_gateway/util/clock.hpp"

namespace kore_gateway {

// What an entry answers, for dropping entries by what a write changed (CONTRACT.md section 11):
// the route, its upstream and upstream path, and its parameters (path and query) by name.
struct cache_tags {
    std::string route;
    std::string upstream;
    std::string upstream_path; // without the query
    std::vector<std::pair<std::string, std::string>> params;
};

// One stored answer; immutable once stored and shared by every reader.
struct cached_response {
    unsigned status = 200; // always 200 today
    std::string content_type;
    shared_body::value_type body;
    std::string etag;
    clock::time_point stored_at;
    clock::time_point expires_at;  // stored_at + ttl
    clock::time_point stale_until; // expires_at + stale-if-error window
    cache_tags tags{};             // what a write may drop it by
};

// fresh: before expires_at. stale: from expires_at up to (not including) stale_until.
enum class freshness { fresh, stale };

struct cache_lookup {
    std::shared_ptr<const cached_response> entry;
    freshness state;
};

// Hits take only a shared lock and never copy a body, so I/O threads do not serialise on them.
// Recency is a tick from one atomic counter, bumped by readers under the shared lock; eviction
// (on the miss path, under the exclusive lock) scans for the oldest ticks, so it costs
// O(entries) while hits cost no list splicing.
class response_cache {
public:
    // Charged per entry on top of key, content type, ETag and body: the map node, the
    // cached_response and the shared_ptr control blocks, rounded up.
    static constexpr std::size_t entry_overhead = 256;

    struct stats {
        std::size_t entries;
        std::size_t bytes;
        std::uint64_t evictions; // entries dropped to make room, since construction
    };

    // max_bytes == 0 stores nothing.
    response_cache(std::size_t max_bytes, const clock& clock_source);

    response_cache(const response_cache&) = delete;
    response_cache& operator=(const response_cache&) = delete;

    // A hit counts as a use. An entry past its stale_until is erased and reported as a miss.
    std::optional<cache_lookup> find(std::string_view key);

    // Stores or replaces the entry of key, then evicts least-recently-used entries until the
    // bound holds. An entry bigger than the whole bound is refused (false) and evicts nothing.
    bool insert(std::string key, std::shared_ptr<const cached_response> entry);

    // Removes every entry; returns how many there were.
    std::size_t purge();
    // Removes the entries whose tags satisfy drop; returns how many.
    std::size_t erase_if(const std::function<bool(const cache_tags&)>& drop);

    stats snapshot() const;

private:
    struct slot {
        slot(std::shared_ptr<const cached_response> e, std::size_t b, std::uint64_t tick)
            : entry(std::move(e)), bytes(b), last_used(tick) {}

        std::shared_ptr<const cached_response> entry;
        std::size_t bytes;
        std::atomic<std::uint64_t> last_used; // written by readers under the shared lock
    };

    // Lets find(string_view) look up without building a std::string.
    struct key_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view key) const noexcept {
            return std::hash<std::string_view>{}(key);
        }
    };

    using map_type = std::unordered_map<std::string, slot, key_hash, std::equal_to<>>;

    std::optional<cache_lookup> hit(slot& s, clock::time_point now);
    void touch(slot& s);
    void evict_to_fit();

    const std::size_t max_bytes_;
    const clock& clock_;
    mutable std::shared_mutex mutex_;
    map_type map_;
    std::size_t bytes_ = 0;
    std::uint64_t evictions_ = 0;
    std::atomic<std::uint64_t> next_tick_{0};
};

} // namespace kore_gateway
