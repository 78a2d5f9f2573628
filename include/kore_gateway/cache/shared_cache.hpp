// The shared tier (L2) of the cache in Redis (CONTRACT.md section 13): entries every replica can
// read, a fill lock so that one replica fetches a key for all, and purges and invalidations that
// reach every replica.
//
// Each operation is one Lua script, so that it is one command under the request's Redis deadline
// and sees Redis in one state. Keys are versioned by generations: a purge bumps the global one,
// a route purge or a write's invalidation that route's, and entries of older generations are no
// longer read (their own expiry removes them). A fill stores its entry only if no generation
// moved since it looked, so a fill that started before a purge or a write stores nothing.
//
// Every failure (Redis down, slow, an error reply, a value it cannot decode) is reported as a
// miss: the caller goes on as without Redis.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "kore_gateway/cache/response_cache.hpp"
#include "kore_gateway/metrics/gateway_metrics.hpp"
#include "kore_gateway/redis/redis_links.hpp"

namespace kore_gateway {

class shared_cache {
public:
    // What a read found. stamp names the generations it saw: pass it back to store().
    struct read_result {
        std::optional<cached_response> entry; // fresh or stale (check expires_at)
        std::string stamp;                    // empty when Redis did not answer
        bool locked = false;                  // the caller holds the fill lock: fetch, then store
        bool lock_busy = false;               // another replica holds it: wait_for_fill
    };
    using read_done = std::function<void(read_result)>;
    using entry_done = std::function<void(std::optional<cached_response>)>;
    using count_done = std::function<void(std::optional<std::size_t>)>;

    // max_body_bytes: upstream_max_response_bytes, the largest body a value may hold.
    shared_cache(redis_links& links, std::size_t max_body_bytes, const clock& clk,
                 gateway_metrics& metrics);

    // After an L1 miss: the key's entry; when it has none (or only a stale one) and lock_for is
    // positive, also takes the fill lock for lock_for (the upstream timeout).
    void read(const std::string& key, const std::string& route, std::chrono::milliseconds lock_for,
              read_done done);
    // Another replica holds the fill lock: polls until its entry is there (returned), its lock
    // is gone without one, or bound (the upstream timeout) has passed (nullopt: fetch yourself).
    void wait_for_fill(const std::string& key, const std::string& route, const std::string& stamp,
                       std::chrono::milliseconds bound, entry_done done);
    // Stores entry under the generations of stamp (unless one moved), and releases the fill
    // lock if locked. Fire and forget: nobody waits for it.
    void store(const std::string& key, const cached_response& entry, const std::string& stamp,
               bool locked);
    // Releases the fill lock without storing (the answer could not be stored).
    void release(const std::string& key, const std::string& route, const std::string& stamp);

    // Drops the entries of routes (none: of every route), so that no replica reads them again
    // and no fill under way stores one, and publishes notice to every replica (this one too).
    // done gets how many entries were dropped; nullopt when Redis did not answer.
    void drop(std::span<const std::string> routes, const std::string& notice, count_done done);
    // The notice a published message carries when another replica sent it; nullopt for this
    // replica's own (it has already dropped what it names) and for anything not ours.
    std::optional<std::string_view> notice_from_others(std::string_view message) const;

private:
    void eval(const std::string& script, std::initializer_list<std::string_view> args,
              redis_connection::reply_handler handler);
    void read_with(const std::string& key, const std::string& route,
                   std::chrono::milliseconds lock_for, bool over_value, read_done done);
    // The entry a reply element holds; nullopt for nil, and (counted as an error) for a value
    // that does not decode.
    std::optional<cached_response> decode(const resp_value& value);

    redis_links& links_;
    const std::size_t max_body_bytes_;
    const clock& clock_;
    gateway_metrics& metrics_;
    const std::string prefix_; // GATEWAY_REDIS_KEY_PREFIX, every script's ARGV[1]
    // This process: its fill locks hold it (to release only its own), its notices name it.
    const std::string lock_owner_;
};

} // namespace kore_gateway
