#include "kore_gateway/auth/jwks_source.hpp"

#include <algorithm>
#include <charconv>
#include <string_view>

#include <boost/algorithm/string/predicate.hpp>
#include <spdlog/spdlog.h>

#include "kore_gateway/cache/cacheability.hpp"
#include "kore_gateway/util/ascii.hpp"
#include "kore_gateway/util/backoff.hpp"

namespace kore_gateway {
namespace {

using namespace std::chrono_literals;

// CONTRACT.md section 17, "JWKS fetching".
constexpr clock::duration min_lifetime = 5min;
constexpr clock::duration max_lifetime = 24h;
constexpr clock::duration default_keys_lifetime = 1h; // no Cache-Control, or one without max-age
constexpr clock::duration unknown_kid_refetch_bound = 30s;
constexpr backoff_policy retry_policy{1s, 60s};

// How long a set fetched with this Cache-Control (all its lines joined) is kept.
clock::duration lifetime_of(std::string_view cache_control) {
    if (find_cache_directive(cache_control, "no-store") ||
        find_cache_directive(cache_control, "no-cache")) {
        return min_lifetime;
    }
    const auto max_age = find_cache_directive(cache_control, "max-age");
    if (!max_age) {
        return default_keys_lifetime;
    }
    auto digits = *max_age;
    if (digits.size() >= 2 && digits.front() == '"' && digits.back() == '"') {
        digits = digits.substr(1, digits.size() - 2);
    }
    std::uint64_t seconds = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seconds);
    if (digits.empty() || end != digits.data() + digits.size() ||
        (ec != std::errc{} && ec != std::errc::result_out_of_range)) {
        // RFC 9111 section 4.2.1: invalid freshness information means stale, hence the minimum.
        return min_lifetime;
    }
    if (ec == std::errc::result_out_of_range ||
        seconds >= static_cast<std::uint64_t>(
                       std::chrono::duration_cast<std::chrono::seconds>(max_lifetime).count())) {
        return max_lifetime;
    }
    return std::clamp<clock::duration>(std::chrono::seconds(seconds), min_lifetime, max_lifetime);
}

std::string joined_cache_control(const upstream_response& res) {
    std::string joined;
    for (auto [it, end] = res.equal_range(http::field::cache_control); it != end; ++it) {
        joined += (joined.empty() ? "" : ", ") + std::string(it->value());
    }
    return joined;
}

} // namespace

std::shared_ptr<jwks_source> jwks_source::create(net::any_io_executor executor,
                                                 std::shared_ptr<upstream_client> client,
                                                 url jwks_url, std::chrono::milliseconds timeout,
                                                 const clock& clk) {
    return std::shared_ptr<jwks_source>(
        new jwks_source(std::move(executor), std::move(client), std::move(jwks_url), timeout, clk));
}

jwks_source::jwks_source(net::any_io_executor executor, std::shared_ptr<upstream_client> client,
                         url jwks_url, std::chrono::milliseconds timeout, const clock& clk)
    : executor_(executor), strand_(net::make_strand(executor)), client_(std::move(client)),
      location_(std::move(jwks_url)),
      display_url_(location_.scheme + "://" + location_.host_header() + location_.path),
      timeout_(timeout), clock_(clk), timer_(strand_, clk), random_(std::random_device{}()) {}

void jwks_source::start() {
    net::post(strand_, [self = shared_from_this()] {
        if (self->stopped_ || self->fetching_) {
            return;
        }
        self->do_fetch(false);
        self->schedule_wakeup();
    });
}

void jwks_source::stop() {
    net::post(strand_, [self = shared_from_this()] {
        self->stopped_ = true;
        self->timer_.cancel();
        self->notify_waiters();
    });
}

std::shared_ptr<const jwk_set> jwks_source::keys() const {
    std::lock_guard lock(published_mutex_);
    return published_set_;
}

void jwks_source::refresh_for_unknown_kid(std::function<void()> done) {
    net::post(strand_, [self = shared_from_this(), done = std::move(done)]() mutable {
        self->on_refresh(std::move(done));
    });
}

std::string jwks_source::not_ready_reason() const {
    std::string failure;
    {
        std::lock_guard lock(published_mutex_);
        if (published_set_) {
            return {};
        }
        failure = published_failure_;
    }
    return "JWKS " + display_url_ + ": not fetched yet (" +
           (failure.empty() ? "no answer yet" : failure) + ")";
}

const url& jwks_source::location() const {
    return location_;
}

void jwks_source::check_now() {
    net::post(strand_, [self = shared_from_this()] { self->on_check(); });
}

void jwks_source::on_check() {
    if (stopped_ || fetching_) {
        return;
    }
    if (next_fetch_at_ && clock_.now() >= *next_fetch_at_) {
        // Until a set has arrived, this is the start-up fetch retried, which (like the first
        // attempt) does not use up the 30 s allowance of a refetch for an unknown kid.
        do_fetch(set_ != nullptr);
    }
    schedule_wakeup();
}

void jwks_source::on_refresh(std::function<void()> done) {
    if (fetching_ && !stopped_) {
        waiters_.push_back(std::move(done));
        return;
    }
    const bool recent =
        last_counted_fetch_ && clock_.now() - *last_counted_fetch_ < unknown_kid_refetch_bound;
    if (stopped_ || recent) {
        net::post(executor_, std::move(done));
        return;
    }
    spdlog::info("JWKS {}: refetching for a token with an unknown kid", display_url_);
    waiters_.push_back(std::move(done));
    do_fetch(true);
    schedule_wakeup();
}

void jwks_source::do_fetch(bool counted) {
    fetching_ = true;
    next_fetch_at_.reset();
    fetch_started_at_ = clock_.now();
    if (counted) {
        last_counted_fetch_ = fetch_started_at_;
    }
    upstream_request req(http::verb::get, location_.path.empty() ? "/" : location_.path);
    req.set(http::field::accept, "application/json");
    req.timeout(timeout_);
    client_->async_exchange(std::move(req), [self = shared_from_this()](upstream_result result) {
        net::post(self->strand_, [self, result = std::move(result)]() mutable {
            self->on_fetched(std::move(result));
        });
    });
}

void jwks_source::on_fetched(upstream_result result) {
    if (stopped_) {
        return;
    }
    fetching_ = false;
    if (result.error != upstream_errc::ok) {
        on_failure(std::string(to_string(result.error)));
    } else if (result.response.result() != http::status::ok) {
        on_failure("HTTP " + std::to_string(result.response.result_int()));
    } else {
        auto parsed = parse_jwk_set(result.response.body());
        for (const auto& skipped : parsed.skipped) {
            spdlog::info("JWKS {}: key left out: {}", display_url_, skipped);
        }
        if (!parsed.set) {
            on_failure(parsed.error);
        } else {
            const auto lifetime = lifetime_of(joined_cache_control(result.response));
            // The new set replaces the old one whole: a key the provider removed stops working.
            set_ = std::make_shared<const jwk_set>(std::move(*parsed.set));
            next_fetch_at_ = fetch_started_at_ + lifetime;
            failures_ = 0;
            last_failure_.clear();
            publish();
            spdlog::info("JWKS {}: {} key(s), kept {} s", display_url_, set_->keys.size(),
                         std::chrono::duration_cast<std::chrono::seconds>(lifetime).count());
        }
    }
    notify_waiters();
    schedule_wakeup();
}

void jwks_source::on_failure(std::string reason) {
    ++failures_;
    const double jitter = std::uniform_real_distribution<double>(0.0, 1.0)(random_);
    const auto delay = backoff_delay(retry_policy, failures_, jitter);
    next_fetch_at_ = clock_.now() + delay;
    last_failure_ = std::move(reason);
    publish();
    spdlog::warn("JWKS {}: fetch failed: {}; {}; next attempt in {} ms", display_url_,
                 last_failure_, set_ ? "keeping the last good set" : "no set yet",
                 std::chrono::duration_cast<std::chrono::milliseconds>(delay).count());
}

void jwks_source::schedule_wakeup() {
    if (!next_fetch_at_) {
        timer_.cancel();
        return;
    }
    // A wake-up that comes too early is harmless: on_check just rearms the timer.
    timer_.expires_at(*next_fetch_at_);
    timer_.async_wait([self = shared_from_this()](error_code ec) { self->on_wakeup(ec); });
}

void jwks_source::on_wakeup(error_code ec) {
    if (ec == net::error::operation_aborted) {
        return;
    }
    if (ec) {
        // Re-arming a failing timer could spin; unknown kids still start a refetch.
        spdlog::error("JWKS {}: refresh timer failed: {}", display_url_, ec.message());
        return;
    }
    on_check();
}

void jwks_source::publish() {
    std::lock_guard lock(published_mutex_);
    published_set_ = set_;
    published_failure_ = last_failure_;
}

void jwks_source::notify_waiters() {
    auto waiters = std::move(waiters_);
    waiters_.clear();
    // Callers' continuations run on the io_context's threads, not on this strand.
    for (auto& done : waiters) {
        net::post(executor_, std::move(done));
    }
}

} // namespace kore_gateway
