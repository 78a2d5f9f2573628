#include "kore_gateway/gateway/route_forwarding.hpp"

#include <boost/url/parse.hpp>
#include <spdlog/spdlog.h>

#include "kore_gateway/cache/cache_key.hpp"
#include "kore_gateway/cache/cacheability.hpp"
#include "kore_gateway/util/ascii.hpp"

namespace kore_gateway {
namespace {

using named_values = std::vector<std::pair<std::string, std::string>>;

// A path template with each "{name}" replaced by value_of(name), appended to out.
template <class Lookup>
void expand(std::string_view path_template, Lookup value_of, std::string& out) {
    while (!path_template.empty()) {
        const auto open = path_template.find('{');
        out += path_template.substr(0, open);
        if (open == std::string_view::npos) {
            return;
        }
        const auto close = path_template.find('}', open);
        out += value_of(path_template.substr(open + 1, close - open - 1));
        path_template.remove_prefix(close + 1);
    }
}

// The parameter values of a path that path_template matches segment by segment, or nullopt.
std::optional<named_values> match_template(std::string_view path_template, std::string_view path) {
    named_values values;
    while (!path_template.empty() || !path.empty()) {
        if (path_template.empty() || path.empty() || path_template.front() != '/' ||
            path.front() != '/') {
            return std::nullopt;
        }
        path_template.remove_prefix(1);
        path.remove_prefix(1);
        const auto expected = path_template.substr(0, path_template.find('/'));
        const auto actual = path.substr(0, path.find('/'));
        if (expected.starts_with('{') && expected.ends_with('}')) {
            if (actual.empty()) {
                return std::nullopt;
            }
            values.emplace_back(expected.substr(1, expected.size() - 2), actual);
        } else if (expected != actual) {
            return std::nullopt;
        }
        path_template.remove_prefix(expected.size());
        path.remove_prefix(actual.size());
    }
    return values;
}

// Every parameter of a call by name, path and query alike: what a write binds (section 11).
named_values call_values(const upstream_call& call) {
    named_values values;
    for (const auto& [name, value] : call.params) {
        values.emplace_back(name, value);
    }
    values.insert(values.end(), call.query.begin(), call.query.end());
    return values;
}

bool is_success(const forward_result& fetched) {
    return fetched.failure == forward_failure::none && fetched.answer.status / 100 == 2;
}

} // namespace

route_forwarding::route_forwarding(const gateway_config& config, const route_table& routes,
                                   upstream_registry& registry, cached_fetch& cache,
                                   const clock& clock)
    : config_(config), routes_(routes), registry_(registry), cache_(cache), clock_(clock) {
    for (const auto& row : routes.rows()) {
        targets_.push_back(registry.find(row.upstream));
    }
}

void route_forwarding::handle(upstream_call&& call, outcome_fn done) {
    const auto& row = *call.row;
    auto* target = targets_[static_cast<std::size_t>(&row - routes_.rows().data())];
    if (target == nullptr) {
        return done(error_outcome(errors::upstream_unavailable,
                                  "the " + row.upstream + " API is not configured"));
    }
    std::string path;
    // Room for the parameters too, so that building the path allocates once (bench/RESULTS.md,
    // optimisation 15).
    path.reserve(target->config.base_url.path.size() + row.upstream_path.size() +
                 3 * value_rule::default_max_length);
    path = target->config.base_url.path;
    expand(
        row.upstream_path,
        [&call](std::string_view name) -> std::string_view {
            for (const auto& [key, value] : call.params) {
                if (key == name) {
                    return value;
                }
            }
            return {};
        },
        path);
    auto query = encode_query(call.query);
    // Only a miss or a forward needs the upstream request: a hit is answered from the key alone.
    const auto outgoing_to = [&](std::string target_path) {
        forward_request outgoing;
        outgoing.method = row.upstream_method;
        outgoing.request_id = std::move(call.request_id);
        // The gateway's own span, made only for a request that goes upstream.
        if (call.trace != nullptr) {
            outgoing.traceparent = upstream_traceparent(*call.trace);
            outgoing.tracestate = call.trace->tracestate;
        }
        outgoing.timeout =
            row.timeout.value_or(target->config.timeout.value_or(config_.upstream_timeout));
        outgoing.target = query.empty() ? std::move(target_path) : target_path + '?' + query;
        outgoing.headers = std::move(call.headers);
        return outgoing;
    };

    if (row.cache_ttl.count() == 0) {
        auto outgoing = outgoing_to(path);
        outgoing.body = std::move(call.body);
        outgoing.content_type = std::move(call.content_type);
        return target->forward->forward(
            std::move(outgoing), [this, target, call = std::move(call), path = std::move(path),
                                  done = std::move(done)](forward_result fetched) {
                if (call.row->is_write() && is_success(fetched)) {
                    invalidate_after_write(call, path);
                }
                done(pass_through(fetched, *target));
            });
    }
    auto key = make_cache_key(row.upstream, "GET", path, query);
    if (const auto hit = cache_.fresh(key)) {
        return done(from_entry(*hit, "HIT", call));
    }
    auto outgoing = outgoing_to(path);
    cache_tags tags{row.name, row.upstream, std::move(path), call_values(call)};
    const auto bound = outgoing.timeout;
    cache_.fill(
        key, std::move(tags), row.cache_ttl, bound,
        [target, outgoing = std::move(outgoing)](cached_fetch::fetch_done fetched) mutable {
            target->forward->forward(std::move(outgoing), std::move(fetched));
        },
        [this, target, call = std::move(call), done = std::move(done)](const cache_answer& a) {
            if (a.entry) {
                auto outcome = from_entry(*a.entry, a.x_cache, call);
                outcome.upstream_ms = a.upstream_ms;
                return done(std::move(outcome));
            }
            auto outcome = pass_through(*a.fetched, *target);
            outcome.res.set(x_cache_header, a.x_cache);
            outcome.cache = a.x_cache;
            done(std::move(outcome));
        });
}

// An upstream answer passed through as it came: status, JSON body and Content-Type, and its
// Location headers pointed at the gateway where a GET route maps them (section 11).
route_outcome route_forwarding::pass_through(const forward_result& fetched,
                                             const upstream_registry::upstream& target) const {
    if (fetched.failure != forward_failure::none) {
        auto failed = failure_outcome(fetched);
        failed.upstream_ms = fetched.upstream_ms;
        return failed;
    }
    const auto& answer = fetched.answer;
    response res{static_cast<http::status>(answer.status), 11};
    res.set(http::field::content_type, answer.content_type);
    if (!answer.location.empty()) {
        res.set(http::field::location, local_location(answer.location, target));
    }
    if (!answer.content_location.empty()) {
        res.set(http::field::content_location, local_location(answer.content_location, target));
    }
    res.body() = answer.body;
    return {std::move(res), {}, fetched.upstream_ms};
}

route_outcome route_forwarding::from_entry(const cached_response& entry, std::string_view x_cache,
                                           const upstream_call& call) const {
    const bool not_modified =
        !call.if_none_match.empty() && if_none_match_matches(call.if_none_match, entry.etag);
    response res{not_modified ? http::status::not_modified : http::status::ok, 11};
    // insert, not set: the answer is new, so there is no line of the name to look for first.
    // field::unknown with the name spares Beast's lookup of the name among the fields it knows.
    res.insert(http::field::unknown, x_cache_header, x_cache);
    res.insert(http::field::etag, entry.etag);
    if (x_cache != "MISS") {
        const auto age =
            std::chrono::duration_cast<std::chrono::seconds>(clock_.now() - entry.stored_at);
        res.insert(http::field::age, std::to_string(std::max<long long>(0, age.count())));
    }
    if (!not_modified) {
        res.insert(http::field::content_type, entry.content_type);
        res.body() = entry.body;
    }
    return {std::move(res), {}, {}, x_cache};
}

// An absolute URL under the upstream's base URL whose path a GET route of that upstream maps
// becomes that route's local path, as nginx's proxy_redirect does; anything else is unchanged.
std::string route_forwarding::local_location(std::string_view location,
                                             const upstream_registry::upstream& target) const {
    // Its own NUL-terminated copy: Boost.URL 1.81 reads a view up to a NUL, past its size.
    const std::string location_text(location);
    const auto parsed = boost::urls::parse_absolute_uri(location_text);
    const auto& base = target.config.base_url;
    if (!parsed || parsed->scheme() != base.scheme || !iequals_ascii(parsed->host(), base.host) ||
        (parsed->has_port() ? parsed->port_number() : (base.is_tls() ? 443 : 80)) != base.port) {
        return std::string(location);
    }
    std::string_view path = parsed->encoded_path();
    if (!path.starts_with(base.path) ||
        (path.size() > base.path.size() && path[base.path.size()] != '/')) {
        return std::string(location);
    }
    path.remove_prefix(base.path.size());
    for (const auto& row : routes_.rows()) {
        if (row.upstream != target.config.name || row.method != http::verb::get) {
            continue;
        }
        const auto values = match_template(row.upstream_path, path);
        if (!values) {
            continue;
        }
        std::string local;
        expand(
            row.path,
            [&values](std::string_view name) -> std::string_view {
                for (const auto& [key, value] : *values) {
                    if (key == name) {
                        return value;
                    }
                }
                return {};
            },
            local);
        if (parsed->has_query()) {
            local += '?';
            local += parsed->encoded_query();
        }
        return local;
    }
    return std::string(location);
}

// RFC 9111 section 4.4 and CONTRACT.md section 11: every cached entry of the same upstream path
// (all query variants), and of each route in invalidates bound by the parameters the two share.
void route_forwarding::invalidate_after_write(const upstream_call& call,
                                              const std::string& upstream_path) {
    const auto& row = *call.row;
    const auto bound = call_values(call);
    // The routes whose entries the filter may drop, for the shared tier and the other replicas,
    // which drop those routes' entries whole: the cached GET routes onto this upstream path, and
    // the routes invalidates names.
    std::vector<std::string> routes(row.invalidates.begin(), row.invalidates.end());
    for (const auto& other : routes_.rows()) {
        if (other.method == http::verb::get && other.cache_ttl.count() > 0 &&
            other.upstream == row.upstream && match_template(other.upstream_path, upstream_path) &&
            std::find(routes.begin(), routes.end(), other.name) == routes.end()) {
            routes.push_back(other.name);
        }
    }
    const auto dropped = cache_.invalidate(
        [&](const cache_tags& tags) {
            if (tags.upstream == row.upstream && tags.upstream_path == upstream_path) {
                return true;
            }
            if (std::find(row.invalidates.begin(), row.invalidates.end(), tags.route) ==
                row.invalidates.end()) {
                return false;
            }
            for (const auto& [name, value] : bound) {
                for (const auto& [tag_name, tag_value] : tags.params) {
                    if (tag_name == name && tag_value != value) {
                        return false;
                    }
                }
            }
            return true;
        },
        routes);
    if (dropped > 0) {
        spdlog::debug("route {}: a write dropped {} cached entries", row.name, dropped);
    }
}

std::string route_forwarding::not_ready_reason() const {
    return registry_.not_ready_reason();
}

bool route_forwarding::purge_cache(const std::string& route,
                                   std::function<void(std::size_t)> done) {
    if (!route.empty() && std::none_of(routes_.rows().begin(), routes_.rows().end(),
                                       [&route](const route_row& r) { return r.name == route; })) {
        return false;
    }
    cache_.purge(route, [route, done = std::move(done)](std::size_t purged) {
        spdlog::info("cache purged{}: {} entries", route.empty() ? "" : " for route " + route,
                     purged);
        done(purged);
    });
    return true;
}

} // namespace kore_gateway
