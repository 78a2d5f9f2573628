// The cache in front of an upstream (CONTRACT.md sections 6 and 11): one freshness decision per
// GET of a cached route. A fresh entry answers at once; a miss joins the one fetch of its key and
// stores what may be stored; a failed refresh serves the stale entry within the stale window. A
// write drops entries by their tags, and a fill that started before it stores nothing.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "kore_gateway/cache/coalescer.hpp"
#include "kore_gateway/cache/response_cache.hpp"
#include "kore_gateway/gateway/forwarder.hpp"
#include "kore_gateway/metrics/gateway_metrics.hpp"

namespace kore_gateway {

// What a cached route answers: an entry (with its X-Cache word), or, when nothing could be
// stored or served, the fetch's own result to pass on.
struct cache_answer {
    std::shared_ptr<const cached_response> entry;
    std::string_view x_cache;                // "HIT", "MISS" or "STALE"
    const forward_result* fetched = nullptr; // when entry is null; valid during the callback
    std::optional<double> upstream_ms{};     // the fill's upstream time, when this caller waited
};

class cached_fetch {
public:
    using fetch_done = std::function<void(forward_result)>;
    using fetch_fn = std::function<void(fetch_done)>;
    using answer_fn = std::function<void(const cache_answer&)>;
    using tag_filter = std::function<bool(const cache_tags&)>;

    cached_fetch(std::size_t max_bytes, std::chrono::seconds stale_if_error, const clock& clock,
                 gateway_metrics& metrics);

    // The fresh entry of key (counted as a hit), or null: the hot path, allocation-free.
    std::shared_ptr<const cached_response> fresh(std::string_view key);
    // After fresh() missed: joins the fetch of key, or starts it with fetch when none is under
    // way. done runs once for every caller, on the thread that completes the fetch.
    void fill(const std::string& key, cache_tags tags, std::chrono::seconds ttl, fetch_fn fetch,
              answer_fn done);
    // Drops every entry whose tags drop accepts, and dooms the fills under way for such keys;
    // returns how many entries were dropped.
    std::size_t invalidate(const tag_filter& drop);
    // Drops every entry; returns how many there were.
    std::size_t purge();
    const response_cache& store() const { return cache_; }
    std::size_t waiting() const { return flights_.waiting(); }

private:
    // What one fetch produced, shared by every caller waiting for it.
    struct fetched {
        forward_result result;                        // when nothing was stored
        std::shared_ptr<const cached_response> entry; // when the answer was stored
        std::optional<double> upstream_ms;            // of the fetch
    };
    struct fill_state {
        cache_tags tags;
        bool doomed = false; // a write invalidated the key while the fetch was under way
    };

    void complete(const std::string& key, std::chrono::seconds ttl, forward_result result);
    void answer(const fetched& result, const std::string& key, const answer_fn& done);

    const std::chrono::seconds stale_if_error_;
    const clock& clock_;
    gateway_metrics& metrics_;
    response_cache cache_;
    coalescer<fetched> flights_;
    std::mutex fills_mutex_;
    std::unordered_map<std::string, fill_state> fills_;
};

} // namespace kore_gateway
