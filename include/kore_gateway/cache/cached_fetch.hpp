// The cache in front of an upstream (CONTRACT.md sections 6, 11 and 13): one freshness decision
// per GET of a cached route. A fresh entry answers at once; a miss joins the one fetch of its key
// and stores what may be stored; a failed refresh serves the stale entry within the stale window.
// A write drops entries by their tags, and a fill that started before it stores nothing.
//
// With a shared tier (Redis), the one fetch of a key's miss first asks it: a fresh entry there
// fills this cache (L1) and answers HIT; else the fill lock decides whether this replica fetches
// (and stores in both tiers) or waits for the replica that does. Purges and writes reach the
// other replicas as notices (on_notice).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kore_gateway/cache/coalescer.hpp"
#include "kore_gateway/cache/response_cache.hpp"
#include "kore_gateway/gateway/forwarder.hpp"
#include "kore_gateway/metrics/gateway_metrics.hpp"

namespace kore_gateway {

class shared_cache;

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

    using count_done = std::function<void(std::size_t)>;

    // shared: the shared tier, or null for a gateway on its own.
    cached_fetch(std::size_t max_bytes, std::chrono::seconds stale_if_error, const clock& clock,
                 gateway_metrics& metrics, shared_cache* shared = nullptr);

    // The fresh entry of key (counted as a hit), or null: the hot path, allocation-free.
    std::shared_ptr<const cached_response> fresh(std::string_view key);
    // After fresh() missed: joins the fetch of key, or starts it with fetch when none is under
    // way. done runs once for every caller, on the thread that completes the fetch. bound (the
    // upstream timeout) bounds the shared fill lock and a wait for another replica's fill.
    void fill(const std::string& key, cache_tags tags, std::chrono::seconds ttl,
              std::chrono::milliseconds bound, fetch_fn fetch, answer_fn done);
    // After a write: drops every entry whose tags drop accepts and dooms the fills under way for
    // such keys; in the shared tier, and on the other replicas, every entry of routes (which must
    // include the routes of every entry drop accepts). Returns how many entries were dropped here.
    std::size_t invalidate(const tag_filter& drop, const std::vector<std::string>& routes);
    // Drops every entry (route empty) or those of one route, in every tier and replica. done gets
    // the count the contract reports: the shared tier's when it answered, else this cache's.
    void purge(const std::string& route, count_done done);
    // A notice published by a replica (this one included) through the shared tier.
    void on_notice(std::string_view notice);
    // Drops every entry of this cache alone: after the notices may have been missed.
    void forget_all();
    const response_cache& store() const { return cache_; }
    std::size_t waiting() const { return flights_.waiting(); }

private:
    // What one fetch produced, shared by every caller waiting for it.
    struct fetched {
        forward_result result;                        // when nothing was stored
        std::shared_ptr<const cached_response> entry; // when the answer was stored or shared
        std::optional<double> upstream_ms;            // of the fetch
        bool shared_hit = false;                      // entry came from the shared tier
    };
    struct fill_state {
        cache_tags tags;
        bool doomed = false; // a write invalidated the key while the fetch was under way
        // The shared tier's view: the generations it saw (empty: it did not answer), whether
        // this fill holds its lock, and a stale entry it had, for a refresh that fails.
        std::string stamp;
        bool locked = false;
        std::optional<cached_response> shared_stale;
    };

    void fill_from_shared(const std::string& key, std::string route, std::chrono::seconds ttl,
                          std::chrono::milliseconds bound, fetch_fn fetch);
    void fetch_upstream(const std::string& key, std::chrono::seconds ttl, const fetch_fn& fetch);
    void complete(const std::string& key, std::chrono::seconds ttl, forward_result result);
    void complete_shared(const std::string& key, cached_response entry);
    void answer(const fetched& result, const std::string& key, const answer_fn& done);
    std::size_t drop_here(const tag_filter& drop);

    const std::chrono::seconds stale_if_error_;
    const clock& clock_;
    gateway_metrics& metrics_;
    shared_cache* shared_;
    response_cache cache_;
    coalescer<fetched> flights_;
    std::mutex fills_mutex_;
    std::unordered_map<std::string, fill_state> fills_;
};

} // namespace kore_gateway
