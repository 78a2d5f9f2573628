#include "kore_gateway/cache/cached_fetch.hpp"

#include "kore_gateway/cache/cacheability.hpp"

namespace kore_gateway {
namespace {

// The refresh failures after which a stale entry may be served: CONTRACT.md section 6 names
// connection errors, timeouts and 5xx; an unusable (garbage, oversized, non-JSON) answer is a
// failed refresh as well, and the stale entry is the better answer for the client.
bool refresh_failed(const forward_result& fetched) {
    switch (fetched.failure) {
    case forward_failure::unavailable:
    case forward_failure::timeout:
    case forward_failure::invalid_response:
    case forward_failure::circuit_open:
        return true;
    case forward_failure::auth_failed:
        return false;
    case forward_failure::none:
        break;
    }
    return fetched.answer.status >= 500;
}

} // namespace

cached_fetch::cached_fetch(std::size_t max_bytes, std::chrono::seconds stale_if_error,
                           const clock& clock, gateway_metrics& metrics)
    : stale_if_error_(stale_if_error), clock_(clock), metrics_(metrics), cache_(max_bytes, clock) {}

std::shared_ptr<const cached_response> cached_fetch::fresh(std::string_view key) {
    auto hit = cache_.find(key);
    if (!hit || hit->state != freshness::fresh) {
        return nullptr;
    }
    metrics_.cache_hit();
    return std::move(hit->entry);
}

void cached_fetch::fill(const std::string& key, cache_tags tags, std::chrono::seconds ttl,
                        fetch_fn fetch, answer_fn done) {
    auto waiter = [this, key, done = std::move(done)](const fetched& result) {
        answer(result, key, done);
    };
    if (!flights_.join(key, std::move(waiter))) {
        return; // another caller is already fetching this key
    }
    {
        std::lock_guard lock(fills_mutex_);
        fills_[key] = fill_state{std::move(tags), false};
    }
    fetch([this, key, ttl](forward_result result) { complete(key, ttl, std::move(result)); });
}

void cached_fetch::complete(const std::string& key, std::chrono::seconds ttl,
                            forward_result result) {
    fetched out;
    out.upstream_ms = result.upstream_ms;
    {
        // Held until the entry is stored: an invalidate() between the two would otherwise find
        // neither the fill to doom nor the entry to drop.
        std::lock_guard lock(fills_mutex_);
        fill_state state;
        if (const auto it = fills_.find(key); it != fills_.end()) {
            state = std::move(it->second);
            fills_.erase(it);
        }
        const auto& answer = result.answer;
        if (result.failure == forward_failure::none && !state.doomed &&
            is_storable(answer.status, answer.cache_control)) {
            auto entry = std::make_shared<cached_response>();
            entry->tags = std::move(state.tags);
            entry->status = answer.status;
            entry->content_type = answer.content_type;
            entry->etag =
                make_etag(answer.body ? std::string_view(*answer.body) : std::string_view());
            entry->body = answer.body;
            entry->stored_at = clock_.now();
            entry->expires_at = entry->stored_at + ttl;
            entry->stale_until = entry->expires_at + stale_if_error_;
            cache_.insert(key, entry);
            out.entry = std::move(entry);
        }
    }
    if (!out.entry) {
        out.result = std::move(result);
    }
    flights_.complete(key, out);
}

void cached_fetch::answer(const fetched& result, const std::string& key, const answer_fn& done) {
    if (result.entry) {
        metrics_.cache_miss();
        return done({result.entry, "MISS", nullptr, result.upstream_ms});
    }
    if (refresh_failed(result.result)) {
        if (const auto stale = cache_.find(key)) {
            // Fresh only if another caller refreshed the key meanwhile.
            if (stale->state == freshness::fresh) {
                metrics_.cache_hit();
                return done({stale->entry, "HIT", nullptr, result.upstream_ms});
            }
            metrics_.cache_stale();
            return done({stale->entry, "STALE", nullptr, result.upstream_ms});
        }
    }
    metrics_.cache_miss();
    done({nullptr, "MISS", &result.result, result.upstream_ms});
}

std::size_t cached_fetch::invalidate(const tag_filter& drop) {
    std::lock_guard lock(fills_mutex_);
    for (auto& [key, state] : fills_) {
        state.doomed = state.doomed || drop(state.tags);
    }
    return cache_.erase_if(drop);
}

std::size_t cached_fetch::purge() {
    std::lock_guard lock(fills_mutex_);
    for (auto& [key, state] : fills_) {
        state.doomed = true;
    }
    return cache_.purge();
}

} // namespace kore_gateway
