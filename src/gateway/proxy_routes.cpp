#include "kore_gateway/gateway/proxy_routes.hpp"

#include <spdlog/spdlog.h>

#include "kore_gateway/cache/cache_key.hpp"
#include "kore_gateway/cache/cacheability.hpp"
#include "kore_gateway/upstream/tls_context.hpp"

namespace kore_gateway {
namespace {

constexpr std::string_view x_cache_header = "X-Cache";

std::string_view param(const upstream_call& call, std::string_view name) {
    for (const auto& [key, value] : call.params) {
        if (key == name) {
            return value;
        }
    }
    return {};
}

// An upstream answer passed through as it came: status, JSON body and Content-Type.
route_outcome pass_through(const forward_result& answer, shared_body::value_type body) {
    if (answer.error != nullptr) {
        return error_outcome(*answer.error, answer.message);
    }
    response res{static_cast<http::status>(answer.status), 11};
    res.set(http::field::content_type, answer.content_type);
    res.body() = std::move(body);
    return {std::move(res), {}};
}

// The refresh failures after which a stale entry may be served: CONTRACT.md section 6 names
// connection errors, timeouts and 5xx; an unusable (garbage, oversized, non-JSON) answer is a
// failed refresh as well, and the stale entry is the better answer for the client.
bool refresh_failed(const forward_result& answer) {
    if (answer.error != nullptr) {
        return answer.error == &errors::upstream_unavailable ||
               answer.error == &errors::upstream_timeout ||
               answer.error == &errors::upstream_invalid_response;
    }
    return answer.status >= 500;
}

} // namespace

proxy_routes::proxy_routes(const gateway_config& config,
                           std::vector<net::io_context::executor_type> threads,
                           gateway_metrics& metrics, const clock& clock,
                           const std::string& extra_ca_pem)
    : config_(config), threads_(std::move(threads)), metrics_(metrics), clock_(clock),
      tls_(make_client_tls_context(config.ca_file, extra_ca_pem)),
      cache_(config.cache_max_bytes, clock) {
    kore_ = make_upstream(config.kore);
    catalog_ = make_upstream(config.catalog);
    metrics_.set_cache_entries([this] { return static_cast<double>(cache_.snapshot().entries); });
    metrics_.set_cache_bytes([this] { return static_cast<double>(cache_.snapshot().bytes); });
    metrics_.set_cache_waiting([this] { return static_cast<double>(flights_.waiting()); });
    metrics_.set_cache_evictions(
        [this] { return static_cast<double>(cache_.snapshot().evictions); });
}

proxy_routes::~proxy_routes() {
    stop();
}

std::shared_ptr<per_thread_client> proxy_routes::client_for(const url& origin) {
    auto& client = clients_[origin.origin()];
    if (!client) {
        upstream_client_options options;
        options.max_connections = config_.upstream_pool_size;
        options.timeout = config_.upstream_timeout;
        options.max_response_bytes = config_.upstream_max_response_bytes;
        client = std::make_shared<per_thread_client>(threads_, origin,
                                                     origin.is_tls() ? tls_ : nullptr, options);
    }
    return client;
}

std::shared_ptr<token_provider> proxy_routes::provider_for(const client_credentials& credentials,
                                                           const std::string& name) {
    // One token per credential set: two upstreams sharing a client share its token.
    const auto key = credentials.token_url.origin() + credentials.token_url.path + '\n' +
                     credentials.client_id + '\n' + credentials.scope;
    auto& provider = providers_[key];
    if (!provider) {
        token_observers observers{[this, name] { metrics_.token_request(name); },
                                  [this, name] { metrics_.token_failure(name); }};
        provider = token_provider::create(threads_.front(), client_for(credentials.token_url),
                                          credentials, clock_, name, std::move(observers));
    }
    return provider;
}

std::optional<proxy_routes::upstream>
proxy_routes::make_upstream(const std::optional<upstream_config>& config) {
    if (!config) {
        return std::nullopt;
    }
    upstream target;
    target.config = *config;
    target.client = client_for(config->base_url);
    if (config->auth) {
        target.tokens = provider_for(*config->auth, config->name);
    }
    target.forward = std::make_unique<forwarder>(*config, target.client, target.tokens, metrics_);
    // Weak: the metrics outlive the io_context, and a client must not (its sockets and timers
    // belong to that io_context).
    metrics_.set_upstream_connections_opened(
        config->name, [weak_client = std::weak_ptr<per_thread_client>(target.client)] {
            const auto client = weak_client.lock();
            return client ? static_cast<double>(client->snapshot().connections_opened) : 0.0;
        });
    return target;
}

void proxy_routes::start() {
    for (const auto& [key, provider] : providers_) {
        provider->start();
    }
}

void proxy_routes::stop() {
    for (const auto& [key, provider] : providers_) {
        provider->stop();
    }
    for (const auto& [origin, client] : clients_) {
        client->shutdown();
    }
}

void proxy_routes::handle(upstream_call call, outcome_fn done) {
    const bool is_deal = call.route == route_id::deal;
    auto& target = is_deal ? kore_ : catalog_;
    if (!target) {
        return done(error_outcome(errors::upstream_unavailable,
                                  is_deal ? "the KORE API is not configured"
                                          : "the Catalog API is not configured"));
    }
    forward_request outgoing;
    outgoing.request_id = std::move(call.request_id);
    // Room for the longest route's path and its three parameters, so that building it allocates
    // once (bench/RESULTS.md, optimisation 15).
    std::string path;
    path.reserve(target->config.base_url.path.size() + 96 + 3 * max_parameter_length);
    path = target->config.base_url.path;
    std::string query;
    std::chrono::seconds ttl = config_.catalog_ttl;
    switch (call.route) {
    case route_id::deal:
        path += "/aggregates/premium-deal-summaries/by-opportunity/";
        path += param(call, "opportunityId");
        ttl = config_.deals_ttl;
        break;
    case route_id::catalog_products:
        path += "/api/v1/products";
        break;
    case route_id::catalog_offers:
        path += "/api/v1/products/";
        path += param(call, "productId");
        path += "/offers";
        query = "customerId=" + call.customer_id;
        break;
    default: // route_id::catalog_price: never cached
        path += "/api/v1/products/";
        path += param(call, "productId");
        path += "/offers/";
        path += param(call, "offerId");
        path += "/price";
        if (!call.customer_id.empty()) {
            query = "customerId=" + call.customer_id;
        }
        outgoing.method = http::verb::post;
        outgoing.body = std::move(call.body);
        ttl = std::chrono::seconds(0);
        break;
    }
    const auto target_of = [&](std::string&& p) {
        return query.empty() ? std::move(p) : std::move(p) + '?' + query;
    };

    if (ttl.count() == 0) {
        outgoing.target = target_of(std::move(path));
        return target->forward->forward(std::move(outgoing),
                                        [done = std::move(done)](forward_result answer) {
                                            auto body = make_body(std::move(answer.body));
                                            done(pass_through(answer, std::move(body)));
                                        });
    }
    auto key = make_cache_key(target->config.name, "GET", path, query);
    outgoing.target = target_of(std::move(path));
    if (const auto hit = cache_.find(key); hit && hit->state == freshness::fresh) {
        metrics_.cache_hit();
        return done(from_entry(*hit->entry, "HIT", call));
    }
    fetch_cached(*target, std::move(outgoing), std::move(key), ttl, std::move(call),
                 std::move(done));
}

void proxy_routes::fetch_cached(upstream& target, forward_request outgoing, std::string key,
                                std::chrono::seconds ttl, upstream_call call, outcome_fn done) {
    auto waiter = [this, key, call = std::move(call), done = std::move(done)](
                      const fetched& result) { done(from_fetch(result, key, call)); };
    if (!flights_.join(key, std::move(waiter))) {
        return; // another outgoing is already fetching this key
    }
    target.forward->forward(std::move(outgoing), [this, key, ttl](forward_result answer) {
        fetched result;
        if (answer.error == nullptr && is_storable(answer.status, answer.cache_control)) {
            auto entry = std::make_shared<cached_response>();
            entry->status = answer.status;
            entry->content_type = std::move(answer.content_type);
            entry->etag = make_etag(answer.body);
            entry->body = make_body(std::move(answer.body));
            entry->stored_at = clock_.now();
            entry->expires_at = entry->stored_at + ttl;
            entry->stale_until = entry->expires_at + config_.stale_if_error;
            cache_.insert(key, entry);
            result.entry = std::move(entry);
        } else {
            result.body = make_body(std::move(answer.body));
            result.answer = std::move(answer);
        }
        flights_.complete(key, result);
    });
}

route_outcome proxy_routes::from_fetch(const fetched& result, const std::string& key,
                                       const upstream_call& call) {
    if (result.entry) {
        metrics_.cache_miss();
        return from_entry(*result.entry, "MISS", call);
    }
    if (refresh_failed(result.answer)) {
        if (const auto stale = cache_.find(key)) {
            // Fresh only if another outgoing refreshed the key meanwhile.
            if (stale->state == freshness::fresh) {
                metrics_.cache_hit();
                return from_entry(*stale->entry, "HIT", call);
            }
            metrics_.cache_stale();
            return from_entry(*stale->entry, "STALE", call);
        }
    }
    metrics_.cache_miss();
    auto outcome = pass_through(result.answer, result.body);
    outcome.res.set(x_cache_header, "MISS");
    return outcome;
}

route_outcome proxy_routes::from_entry(const cached_response& entry, std::string_view x_cache,
                                       const upstream_call& call) const {
    const bool not_modified =
        !call.if_none_match.empty() && if_none_match_matches(call.if_none_match, entry.etag);
    response res{not_modified ? http::status::not_modified : http::status::ok, 11};
    res.set(x_cache_header, x_cache);
    res.set(http::field::etag, entry.etag);
    if (x_cache != "MISS") {
        const auto age =
            std::chrono::duration_cast<std::chrono::seconds>(clock_.now() - entry.stored_at);
        res.set(http::field::age, std::to_string(std::max<long long>(0, age.count())));
    }
    if (!not_modified) {
        res.set(http::field::content_type, entry.content_type);
        res.body() = entry.body;
    }
    return {std::move(res), {}};
}

std::string proxy_routes::not_ready_reason() const {
    std::string reason;
    for (const auto* target : {&kore_, &catalog_}) {
        if (*target && (*target)->tokens && !(*target)->tokens->has_usable_token()) {
            reason += (reason.empty() ? "" : "; ") + (*target)->config.name + ": " +
                      (*target)->tokens->status();
        }
    }
    if (!kore_ && !catalog_) {
        reason = "no upstream is configured";
    }
    return reason;
}

std::size_t proxy_routes::purge_cache() {
    const auto purged = cache_.purge();
    spdlog::info("cache purged: {} entries", purged);
    return purged;
}

} // namespace kore_gateway
