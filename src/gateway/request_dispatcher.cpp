#include "kore_gateway/gateway/request_dispatcher.hpp"

#include <nlohmann/json.hpp>

#include "kore_gateway/http/bearer.hpp"
#include "kore_gateway/http/validation.hpp"
#include "kore_gateway/log/logging.hpp"
#include "kore_gateway/util/constant_time.hpp"

namespace kore_gateway {

struct request_dispatcher::exchange {
    std::string request_id;
    request req; // what origin, method and path point into, while the exchange lasts
    std::string_view origin;
    std::string_view method;
    std::string_view path;
    std::string_view route = "unmatched";
    bool cacheable = false; // a route whose answers the gateway caches (CONTRACT.md section 16)
    std::string client_ip;
    std::chrono::steady_clock::time_point start;
    respond_fn done;
};

namespace {

constexpr std::string_view request_id_header = "X-Request-Id";

route_outcome json_outcome(http::status status, const nlohmann::json& body) {
    response res{status, 11};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-store");
    res.body() = make_body(body.dump());
    return {std::move(res), {}};
}

std::pair<std::string_view, std::string_view> split_target(std::string_view target) {
    const auto question = target.find('?');
    if (question == std::string_view::npos) {
        return {target, {}};
    }
    return {target.substr(0, question), target.substr(question + 1)};
}

} // namespace

request_dispatcher::request_dispatcher(const gateway_config& config, upstream_routes& upstream,
                                       gateway_metrics& metrics, const clock& clock)
    : config_(config), upstream_(upstream), metrics_(metrics), cors_(config.cors_origins),
      router_(gateway_routes()), limiter_(config.rate_limit_rps, clock) {}

void request_dispatcher::handle(request req, const request_context& ctx, respond_fn done) {
    auto ex = std::make_shared<exchange>();
    const auto client_request_id = req[request_id_header];
    ex->request_id =
        is_valid_request_id(client_request_id) ? std::string(client_request_id) : random_id();
    ex->req = std::move(req);
    ex->origin = ex->req[http::field::origin];
    ex->method = ex->req.method_string();
    ex->path = split_target(ex->req.target()).first;
    ex->client_ip = ctx.client_ip;
    ex->start = ctx.start;
    ex->done = std::move(done);

    if (const auto decision = limiter_.admit(ctx.client_ip); !decision.allowed) {
        auto outcome = error_outcome(errors::rate_limited, "request rate limit exceeded");
        outcome.res.set(http::field::retry_after, std::to_string(decision.retry_after.count()));
        ex->done(finish(*ex, std::move(outcome)));
        return;
    }
    dispatch(ex, ex->req);
}

void request_dispatcher::dispatch(const std::shared_ptr<exchange>& ex, request& req) {
    const auto [path, query] = split_target(req.target());
    const auto reply = [&](route_outcome outcome) { ex->done(finish(*ex, std::move(outcome))); };

    if (is_preflight(req)) {
        const auto match = router_.match(req.method(), path);
        if (match.result == route_match::outcome::not_found) {
            return reply(error_outcome(errors::not_found, "no such endpoint"));
        }
        ex->route = match.matched_route->name;
        if (cors_.check(ex->origin) != cors_policy::verdict::allowed) {
            return reply(error_outcome(errors::forbidden, "origin not allowed"));
        }
        route_outcome outcome{response{http::status::no_content, 11}, {}};
        cors_.answer_preflight(outcome.res, ex->origin, match.allow);
        return reply(std::move(outcome));
    }

    auto match = router_.match(req.method(), path);
    if (auto refused = routing_answer(*ex, match, req.method())) {
        return reply(std::move(*refused));
    }
    switch (match.matched_route->id) {
    case route_id::healthz:
        return reply(json_outcome(http::status::ok, {{"status", "ok"}}));
    case route_id::readyz:
        return reply(readiness());
    case route_id::metrics: {
        response res{http::status::ok, 11};
        res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        res.set(http::field::cache_control, "no-store");
        res.body() = make_body(metrics_.render());
        return reply({std::move(res), {}});
    }
    case route_id::admin_cache_purge:
        return reply(purge(req));
    case route_id::deal:
    case route_id::catalog_products:
    case route_id::catalog_offers:
    case route_id::catalog_price:
        return handle_upstream(ex, req, std::move(match), query);
    }
}

// The answer when the path and method alone decide the request (404, 400 for a parameter, 405,
// or 204 with Allow for a plain OPTIONS); nullopt for a matched route.
std::optional<route_outcome> request_dispatcher::routing_answer(exchange& ex,
                                                                const route_match& match,
                                                                http::verb method) const {
    if (match.result == route_match::outcome::not_found) {
        return error_outcome(errors::not_found, "no such endpoint");
    }
    ex.route = match.matched_route->name;
    switch (match.result) {
    case route_match::outcome::bad_parameter:
        return error_outcome(errors::bad_request, match.problem);
    case route_match::outcome::method_not_allowed: {
        route_outcome outcome =
            method == http::verb::options
                ? route_outcome{response{http::status::no_content, 11}, {}}
                : error_outcome(errors::method_not_allowed, "method not allowed on this endpoint");
        outcome.res.set(http::field::allow, match.allow);
        return outcome;
    }
    case route_match::outcome::not_found:
    case route_match::outcome::matched:
        break;
    }
    return std::nullopt;
}

void request_dispatcher::handle_upstream(const std::shared_ptr<exchange>& ex, request& req,
                                         route_match match, std::string_view query) {
    const auto reply = [&](route_outcome outcome) { ex->done(finish(*ex, std::move(outcome))); };
    upstream_call call;
    call.route = match.matched_route->id;
    ex->cacheable = is_cached_route(call.route);
    call.params = std::move(match.params);
    call.request_id = ex->request_id;
    std::string problem;
    switch (call.route) {
    case route_id::catalog_offers:
    case route_id::catalog_price: {
        auto check = check_customer_query(query, call.route == route_id::catalog_offers);
        problem = std::move(check.problem);
        call.customer_id = std::move(check.customer_id);
        break;
    }
    default:
        problem = check_empty_query(query);
        break;
    }
    if (problem.empty() && call.route == route_id::catalog_price) {
        problem = price_body_problem(req.body()).value_or("");
        call.body = std::move(req.body());
    }
    if (!problem.empty()) {
        return reply(error_outcome(errors::bad_request, problem));
    }
    // Several If-None-Match lines mean one comma-separated list (RFC 9110 section 5.3).
    for (auto [it, end] = req.equal_range(http::field::if_none_match); it != end; ++it) {
        call.if_none_match += (call.if_none_match.empty() ? "" : ", ") + std::string(it->value());
    }
    upstream_.handle(std::move(call), [this, ex](route_outcome outcome) {
        ex->done(finish(*ex, std::move(outcome)));
    });
}

bool request_dispatcher::is_cached_route(route_id route) const {
    switch (route) {
    case route_id::deal:
        return config_.deals_ttl.count() > 0;
    case route_id::catalog_products:
    case route_id::catalog_offers:
        return config_.catalog_ttl.count() > 0;
    case route_id::catalog_price:
    case route_id::healthz:
    case route_id::readyz:
    case route_id::metrics:
    case route_id::admin_cache_purge:
        return false;
    }
    return false;
}

route_outcome request_dispatcher::readiness() const {
    const auto reason = upstream_.not_ready_reason();
    if (!reason.empty()) {
        return error_outcome(errors::not_ready, reason);
    }
    return json_outcome(http::status::ok, {{"status", "ready"}});
}

route_outcome request_dispatcher::purge(const request& req) {
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
    const auto purged = upstream_.purge_cache();
    return json_outcome(http::status::ok, {{"purged", purged}});
}

request_dispatcher::exchange request_dispatcher::exchange_of(const http::request_header<>* header,
                                                             const request_context& ctx) {
    exchange ex;
    ex.client_ip = ctx.client_ip;
    ex.start = ctx.start;
    if (header != nullptr) {
        const auto client_request_id = (*header)[request_id_header];
        ex.request_id =
            is_valid_request_id(client_request_id) ? std::string(client_request_id) : random_id();
        // Views into *header, which outlives this call and so the exchange.
        ex.origin = (*header)[http::field::origin];
        ex.method = header->method_string();
        ex.path = split_target(header->target()).first;
    } else {
        ex.request_id = random_id();
        ex.method = "-";
        ex.path = "-";
    }
    return ex;
}

response request_dispatcher::reject(rejection why, std::string_view detail,
                                    const http::request_header<>* header,
                                    const request_context& ctx) {
    auto ex = exchange_of(header, ctx);
    switch (why) {
    case rejection::body_too_big:
        return finish(ex, error_outcome(errors::payload_too_large,
                                        "request body is larger than " +
                                            std::to_string(config_.max_body_bytes) + " bytes"));
    case rejection::headers_too_big:
        return finish(ex, error_outcome(errors::headers_too_large,
                                        "request headers are larger than " +
                                            std::to_string(config_.max_header_bytes) + " bytes"));
    case rejection::not_implemented:
        return finish(ex, error_outcome(errors::not_implemented, detail));
    case rejection::bad_header:
        return finish(ex, error_outcome(errors::bad_request, detail));
    case rejection::malformed:
        break;
    }
    return finish(ex, error_outcome(errors::bad_request, "malformed HTTP request"));
}

std::optional<response> request_dispatcher::answer_before_body(const http::request_header<>& header,
                                                               const request_context& ctx) {
    auto ex = exchange_of(&header, ctx);
    const auto match = router_.match(header.method(), ex.path);
    auto refused = routing_answer(ex, match, header.method());
    if (!refused) {
        return std::nullopt;
    }
    return finish(ex, std::move(*refused));
}

response request_dispatcher::finish(exchange& ex, route_outcome outcome) const {
    auto& res = outcome.res;
    res.set(request_id_header, ex.request_id);
    if (res.find(http::field::cache_control) == res.end()) {
        // A browser may keep a cacheable route's answer but revalidates it (If-None-Match, 304),
        // so a purge reaches it too; nothing else is kept.
        res.set(http::field::cache_control, ex.cacheable ? "private, no-cache" : "no-store");
    }
    cors_.decorate(res, ex.origin);
    const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - ex.start);
    const auto bytes = shared_body::size(res.body());
    log_access({ex.method, ex.path, res.result_int(), static_cast<std::size_t>(bytes), elapsed,
                ex.request_id, outcome.error_id, ex.route, ex.client_ip});
    metrics_.observe_request(ex.route, res.result_int(),
                             std::chrono::duration<double>(elapsed).count());
    return std::move(res);
}

} // namespace kore_gateway
