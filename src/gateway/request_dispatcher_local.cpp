// request_dispatcher's answers on the gateway's own endpoints (CONTRACT.md sections 3, 12, 14
// and 17): health, readiness, metrics, the OpenAPI document and the admin calls.
#include <boost/url/parse_query.hpp>
#include <nlohmann/json.hpp>

#include "kore_gateway/gateway/dispatcher_exchange.hpp"
#include "kore_gateway/http/bearer.hpp"
#include "kore_gateway/util/constant_time.hpp"

namespace kore_gateway {
namespace {

route_outcome json_outcome(http::status status, const nlohmann::json& body) {
    response res{status, 11};
    res.set(http::field::content_type, "application/json");
    res.body() = make_body(body.dump());
    return {std::move(res), {}};
}

} // namespace

std::optional<route_outcome> request_dispatcher::answer_local(local_endpoint endpoint,
                                                              const exchange_ptr& ex) {
    switch (endpoint) {
    case local_endpoint::healthz:
        return json_outcome(http::status::ok, {{"status", "ok"}});
    case local_endpoint::readyz:
        return readiness();
    case local_endpoint::metrics:
        if (client_auth_on_ && config_.metrics_auth && config_.client_auth.required()) {
            authenticate(ex, {config_.client_auth, {}, nullptr},
                         [this](const exchange_ptr& e) { e->done(finish(*e, metrics_answer())); });
            return std::nullopt;
        }
        return metrics_answer();
    case local_endpoint::openapi: {
        response res{http::status::ok, 11};
        res.set(http::field::content_type, "application/json");
        res.body() = openapi_;
        return route_outcome{std::move(res), {}};
    }
    case local_endpoint::admin_cache_purge:
        if (auto refused = admin_refusal(ex->req)) {
            return refused;
        }
        return purge(ex);
    case local_endpoint::admin_reload:
        if (auto refused = admin_refusal(ex->req)) {
            return refused;
        }
        reload(ex);
        return std::nullopt;
    }
    return error_outcome(errors::not_found, "no such endpoint");
}

route_outcome request_dispatcher::metrics_answer() const {
    response res{http::status::ok, 11};
    res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    res.body() = make_body(metrics_.render());
    return {std::move(res), {}};
}

route_outcome request_dispatcher::readiness() const {
    auto reason = upstream_.not_ready_reason();
    if (hooks_.keys != nullptr) {
        if (const auto keys = hooks_.keys->not_ready_reason(); !keys.empty()) {
            reason += (reason.empty() ? "" : "; ") + keys;
        }
    }
    if (!reason.empty()) {
        return error_outcome(errors::not_ready, reason);
    }
    return json_outcome(http::status::ok, {{"status", "ready"}});
}

// The answer to an admin call without the admin token; nullopt when it may go on.
std::optional<route_outcome> request_dispatcher::admin_refusal(const request& req) const {
    if (config_.admin_token.empty()) {
        // Disabled admin endpoints look exactly like unknown ones.
        return error_outcome(errors::not_found, "no such endpoint");
    }
    const auto token = bearer_credentials(req[http::field::authorization]);
    if (!token || !constant_time_equals(*token, config_.admin_token)) {
        auto outcome =
            error_outcome(errors::unauthorized, "a valid admin bearer token is required");
        outcome.res.set(http::field::www_authenticate, "Bearer");
        return outcome;
    }
    return std::nullopt;
}

// POST /admin/cache/purge empties the cache; ?route=NAME only that route's entries (section 13).
std::optional<route_outcome> request_dispatcher::purge(const exchange_ptr& ex) {
    std::string route;
    if (!ex->query.empty()) {
        // Its own NUL-terminated copy: Boost.URL 1.81 reads a view up to a NUL, past its size.
        const std::string query(ex->query);
        const auto params = boost::urls::parse_query(query);
        if (!params || params->size() != 1 || params->begin()->key != "route" ||
            params->begin()->value.empty()) {
            return error_outcome(errors::bad_request,
                                 "a purge takes no query, or one route=NAME parameter");
        }
        route = params->begin()->value.decode();
    }
    const bool known = upstream_.purge_cache(route, [this, ex](std::size_t purged) {
        ex->done(finish(*ex, json_outcome(http::status::ok, {{"purged", purged}})));
    });
    if (!known) {
        return error_outcome(errors::not_found, "route= names no route of this gateway");
    }
    return std::nullopt;
}

void request_dispatcher::reload(const exchange_ptr& ex) {
    if (!hooks_.reload) {
        ex->done(finish(*ex, error_outcome(errors::not_found, "reloading is not available")));
        return;
    }
    hooks_.reload([this, ex](const std::string& error) {
        ex->done(finish(*ex, error.empty() ? json_outcome(http::status::ok, {{"reloaded", true}})
                                           : error_outcome(errors::bad_request, error)));
    });
}

} // namespace kore_gateway
