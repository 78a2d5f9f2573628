// Per-client-IP token bucket behind the 429 rate_limited answer (CONTRACT.md section 8).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "kore_gateway/util/clock.hpp"

namespace kore_gateway {

// Admits or refuses requests per client IP: rate rps, burst 2 x rps (at least one request).
// Shared by all I/O threads; memory stays bounded whatever the number of distinct clients.
class rate_limiter {
public:
    static constexpr std::size_t shard_count = 16;
    static constexpr std::size_t max_clients_per_shard = 4096;

    struct decision {
        bool allowed;
        std::chrono::seconds retry_after; // >= 1 s when refused, 0 when allowed
    };

    // rps <= 0 disables the limiter.
    rate_limiter(double rps, const clock& c);

    decision admit(std::string_view client_ip);
    bool enabled() const { return rps_ > 0; }
    std::size_t tracked_clients() const;

private:
    struct bucket {
        std::string client_ip;
        double tokens;
        clock::time_point last_seen;
    };
    // Buckets ordered from the least to the most recently seen, so the idle ones are in front.
    using bucket_list = std::list<bucket>;

    // A slice of the clients with its own lock, so that threads rarely wait for each other.
    struct shard {
        mutable std::mutex mutex;
        bucket_list buckets;
        std::unordered_map<std::string_view, bucket_list::iterator> index; // views client_ip
    };

    void prune_idle(shard& s, clock::time_point now);

    double rps_;
    double burst_;
    clock::duration refill_time_; // an idle bucket is full again after this long
    const clock& clock_;
    std::array<shard, shard_count> shards_;
};

} // namespace kore_gateway
