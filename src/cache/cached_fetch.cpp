#include "kore_gateway/cache/cached_fetch.hpp"

#include <algorithm>

#include "kore_gateway/cache/cacheability.hpp"
#include "kore_gateway/cache/shared_cache.hpp"

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

// The notices replicas send each other through the shared tier: "purge" (every entry), or
// "drop" and the names of the routes whose entries go, one per line.
constexpr std::string_view purge_notice = "purge";
constexpr std::string_view drop_notice = "drop";

cached_fetch::cached_fetch(std::size_t max_bytes, std::chrono::seconds stale_if_error,
                           const clock& clock, gateway_metrics& metrics, shared_cache* shared)
    : stale_if_error_(stale_if_error), clock_(clock), metrics_(metrics), shared_(shared),
      cache_(max_bytes, clock) {}

std::shared_ptr<const cached_response> cached_fetch::fresh(std::string_view key) {
    auto hit = cache_.find(key);
    if (!hit || hit->state != freshness::fresh) {
        return nullptr;
    }
    metrics_.cache_hit();
    return std::move(hit->entry);
}

void cached_fetch::fill(const std::string& key, cache_tags tags, std::chrono::seconds ttl,
                        std::chrono::milliseconds bound, fetch_fn fetch, answer_fn done) {
    auto waiter = [this, key, done = std::move(done)](const fetched& result) {
        answer(result, key, done);
    };
    if (!flights_.join(key, std::move(waiter))) {
        return; // another caller is already fetching this key
    }
    auto route = tags.route;
    {
        std::lock_guard lock(fills_mutex_);
        fill_state state;
        state.tags = std::move(tags);
        fills_[key] = std::move(state);
    }
    if (shared_ == nullptr) {
        return fetch_upstream(key, ttl, fetch);
    }
    fill_from_shared(key, std::move(route), ttl, bound, std::move(fetch));
}

// The shared tier's answer first: its fresh entry, or the fill lock, or a wait for the replica
// holding it. Whatever Redis fails to answer, the fill goes on as without it.
void cached_fetch::fill_from_shared(const std::string& key, std::string route,
                                    std::chrono::seconds ttl, std::chrono::milliseconds bound,
                                    fetch_fn fetch) {
    shared_->read(
        key, route, bound,
        [this, key, route, ttl, bound,
         fetch = std::move(fetch)](shared_cache::read_result found) mutable {
            if (found.entry && found.entry->expires_at > clock_.now()) {
                return complete_shared(key, std::move(*found.entry));
            }
            {
                std::lock_guard lock(fills_mutex_);
                auto& state = fills_[key];
                state.stamp = found.stamp;
                state.locked = found.locked;
                state.shared_stale = std::move(found.entry);
            }
            if (!found.lock_busy) {
                return fetch_upstream(key, ttl, fetch);
            }
            shared_->wait_for_fill(
                key, route, found.stamp, bound,
                [this, key, ttl, fetch = std::move(fetch)](std::optional<cached_response> filled) {
                    if (filled) {
                        return complete_shared(key, std::move(*filled));
                    }
                    fetch_upstream(key, ttl, fetch);
                });
        });
}

void cached_fetch::fetch_upstream(const std::string& key, std::chrono::seconds ttl,
                                  const fetch_fn& fetch) {
    fetch([this, key, ttl](forward_result result) { complete(key, ttl, std::move(result)); });
}

void cached_fetch::complete(const std::string& key, std::chrono::seconds ttl,
                            forward_result result) {
    fetched out;
    out.upstream_ms = result.upstream_ms;
    fill_state state;
    {
        // Held until the entry is stored: an invalidate() between the two would otherwise find
        // neither the fill to doom nor the entry to drop.
        std::lock_guard lock(fills_mutex_);
        if (const auto it = fills_.find(key); it != fills_.end()) {
            state = std::move(it->second);
            fills_.erase(it);
        }
        const auto& answer = result.answer;
        if (result.failure == forward_failure::none && !state.doomed &&
            is_storable(answer.status, answer.cache_control)) {
            auto entry = std::make_shared<cached_response>();
            entry->tags = state.tags;
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
        } else if (state.shared_stale && !state.doomed && refresh_failed(result) &&
                   !cache_.find(key)) {
            // Another replica's stale entry: as good a fallback as one of our own.
            cache_.insert(key, std::make_shared<cached_response>(std::move(*state.shared_stale)));
        }
    }
    if (shared_ != nullptr && !state.stamp.empty()) {
        if (out.entry) {
            shared_->store(key, *out.entry, state.stamp, state.locked);
        } else if (state.locked) {
            shared_->release(key, state.tags.route, state.stamp);
        }
    }
    if (!out.entry) {
        out.result = std::move(result);
    }
    flights_.complete(key, out);
}

// An entry of the shared tier answers the fill: kept here for its remaining lifetime, unless a
// write doomed the fill meanwhile (then it answers the callers who asked before the write).
void cached_fetch::complete_shared(const std::string& key, cached_response entry) {
    fetched out;
    out.shared_hit = true;
    {
        std::lock_guard lock(fills_mutex_);
        bool doomed = false;
        if (const auto it = fills_.find(key); it != fills_.end()) {
            doomed = it->second.doomed;
            fills_.erase(it);
        }
        auto stored = std::make_shared<const cached_response>(std::move(entry));
        if (!doomed) {
            cache_.insert(key, stored);
        }
        out.entry = std::move(stored);
    }
    flights_.complete(key, out);
}

void cached_fetch::answer(const fetched& result, const std::string& key, const answer_fn& done) {
    if (result.entry) {
        if (result.shared_hit) {
            metrics_.cache_hit();
            return done({result.entry, "HIT", nullptr, {}});
        }
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

std::size_t cached_fetch::drop_here(const tag_filter& drop) {
    std::lock_guard lock(fills_mutex_);
    for (auto& [key, state] : fills_) {
        state.doomed = state.doomed || drop(state.tags);
    }
    return cache_.erase_if(drop);
}

std::size_t cached_fetch::invalidate(const tag_filter& drop,
                                     const std::vector<std::string>& routes) {
    const auto dropped = drop_here(drop);
    if (shared_ != nullptr && !routes.empty()) {
        std::string notice(drop_notice);
        for (const auto& route : routes) {
            notice += '\n' + route;
        }
        shared_->drop(routes, notice, [](std::optional<std::size_t>) {});
    }
    return dropped;
}

void cached_fetch::purge(const std::string& route, count_done done) {
    const auto dropped =
        route.empty() ? drop_here([](const cache_tags&) { return true; })
                      : drop_here([&route](const cache_tags& tags) { return tags.route == route; });
    if (shared_ == nullptr) {
        return done(dropped);
    }
    const std::vector<std::string> routes =
        route.empty() ? std::vector<std::string>{} : std::vector<std::string>{route};
    const auto notice =
        route.empty() ? std::string(purge_notice) : std::string(drop_notice) + '\n' + route;
    shared_->drop(routes, notice, [dropped, done = std::move(done)](std::optional<std::size_t> n) {
        done(n.value_or(dropped));
    });
}

void cached_fetch::on_notice(std::string_view notice) {
    if (notice == purge_notice) {
        forget_all();
        return;
    }
    if (!notice.starts_with(drop_notice) || notice.size() == drop_notice.size() ||
        notice[drop_notice.size()] != '\n') {
        return; // from a newer version, or not ours: nothing we know how to drop
    }
    std::vector<std::string_view> routes;
    auto rest = notice.substr(drop_notice.size() + 1);
    for (;;) {
        const auto end = rest.find('\n');
        routes.push_back(rest.substr(0, end));
        if (end == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(end + 1);
    }
    drop_here([&routes](const cache_tags& tags) {
        return std::find(routes.begin(), routes.end(), tags.route) != routes.end();
    });
}

void cached_fetch::forget_all() {
    drop_here([](const cache_tags&) { return true; });
}

} // namespace kore_gateway
