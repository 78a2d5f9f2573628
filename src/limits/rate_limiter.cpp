#include "kore_gateway/limits/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>

namespace kore_gateway {

rate_limiter::rate_limiter(double rps, const clock& c)
    : rps_(rps > 0 ? rps : 0),
      // Below 0.5 rps a burst of 2 x rps would never reach a whole request.
      burst_(std::max(2 * rps_, 1.0)),
      refill_time_(rps_ > 0 ? std::chrono::ceil<clock::duration>(
                                  std::chrono::duration<double>(burst_ / rps_))
                            : clock::duration::zero()),
      clock_(c) {}

rate_limiter::decision rate_limiter::admit(std::string_view client_ip) {
    if (!enabled()) {
        return {true, std::chrono::seconds(0)};
    }
    auto& s = shards_[std::hash<std::string_view>{}(client_ip) % shard_count];
    const auto now = clock_.now();
    std::lock_guard lock(s.mutex);
    prune_idle(s, now);

    bucket_list::iterator it;
    if (const auto found = s.index.find(client_ip); found != s.index.end()) {
        it = found->second;
        const std::chrono::duration<double> elapsed = now - it->last_seen;
        it->tokens = std::min(burst_, it->tokens + std::max(elapsed.count(), 0.0) * rps_);
        s.buckets.splice(s.buckets.end(), s.buckets, it);
    } else {
        if (s.index.size() >= max_clients_per_shard) {
            // Forgetting the longest idle client only lets it start again with a full bucket.
            s.index.erase(s.buckets.front().client_ip);
            s.buckets.pop_front();
        }
        it = s.buckets.insert(s.buckets.end(), bucket{std::string(client_ip), burst_, now});
        s.index.emplace(it->client_ip, it);
    }
    it->last_seen = now;

    if (it->tokens >= 1) {
        it->tokens -= 1;
        return {true, std::chrono::seconds(0)};
    }
    const auto wait = static_cast<std::int64_t>(std::ceil((1 - it->tokens) / rps_));
    return {false, std::chrono::seconds(std::max<std::int64_t>(wait, 1))};
}

// A bucket idle for a whole refill time is full again, exactly like a bucket that does not exist
// yet, so dropping it changes no decision. Each bucket is dropped once: amortised O(1) per admit.
void rate_limiter::prune_idle(shard& s, clock::time_point now) {
    while (!s.buckets.empty() && now - s.buckets.front().last_seen >= refill_time_) {
        s.index.erase(s.buckets.front().client_ip);
        s.buckets.pop_front();
    }
}

std::size_t rate_limiter::tracked_clients() const {
    std::size_t total = 0;
    for (const auto& s : shards_) {
        std::lock_guard lock(s.mutex);
        total += s.index.size();
    }
    return total;
}

} // namespace kore_gateway
