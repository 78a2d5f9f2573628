#include "kore_gateway/gateway/request_dispatcher.hpp"

#include <nlohmann/json.hpp>

#include "kore_gateway/gateway/call_builder.hpp"
#include "kore_gateway/gateway/openapi.hpp"
#include "kore_gateway/http/bearer.hpp"
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
    bool head = false;
    std::string client_ip;
    std::chrono::steady_clock::time_point start;
    respond_fn done;
};

namespace {

constexpr std::string_view request_id_header = "X-Request-Id";

route_outcome json_outcome(http::status status, const nlohmann::json& body) {
    response res{status, 11};
    res.set(http::field::content_type, "application/json");
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

request_dispatcher::request_dispatcher(const gateway_config& config, const route_table& routes,
                                       upstream_routes& upstream, gateway_metrics& metrics,
                                       const clock& clock)
    : config_(config), upstream_(upstream), metrics_(metrics), cors_(config.cors_origins),
      matcher_(routes), limiter_(config.rate_limit_rps, clock),
      openapi_(make_body(make_openapi(routes, {.admin_enabled = !config.admin_token.empty(),
                                               .rate_limited = config.rate_limit_rps > 0}))) {}

void request_dispatcher::handle(request req, const request_context& ctx, respond_fn done) {
    auto ex = std::make_shared<exchange>();
    const auto client_request_id = req[request_id_header];
    ex->request_id =
        is_valid_request_id(client_request_id) ? std::string(client_request_id) : random_id();
    ex->req = std::move(req);
    ex->origin = ex->req[http::field::origin];
    ex->method = ex->req.method_string();
    ex->head = ex->req.method() == http::verb::head;
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

// A plain OPTIONS on a known path is 204 with Allow; any other method it lacks is 405.
route_outcome request_dispatcher::not_allowed(http::verb method, std::string_view allow) {
    route_outcome outcome =
        method == http::verb::options
            ? route_outcome{response{http::status::no_content, 11}, {}}
            : error_outcome(errors::method_not_allowed, "method not allowed on this endpoint");
    outcome.res.set(http::field::allow, allow);
    return outcome;
}

route_outcome request_dispatcher::preflight(exchange& ex, std::string_view allow) const {
    if (cors_.check(ex.origin) != cors_policy::verdict::allowed) {
        return error_outcome(errors::forbidden, "origin not allowed");
    }
    route_outcome outcome{response{http::status::no_content, 11}, {}};
    cors_.answer_preflight(outcome.res, ex.origin, allow);
    return outcome;
}

void request_dispatcher::dispatch(const std::shared_ptr<exchange>& ex, request& req) {
    const auto [path, query] = split_target(req.target());
    const auto reply = [&](route_outcome outcome) { ex->done(finish(*ex, std::move(outcome))); };
    const bool is_cors_preflight = is_preflight(req);

    if (const auto local = match_local_endpoint(req.method(), path);
        local.result != local_match::outcome::not_found) {
        ex->route = local.name;
        if (is_cors_preflight) {
            return reply(preflight(*ex, local.allow));
        }
        if (local.result == local_match::outcome::method_not_allowed) {
            return reply(not_allowed(req.method(), local.allow));
        }
        return reply(answer_local(local.endpoint, req));
    }

    auto lookup = matcher_.match(req.method(), path);
    if (is_cors_preflight && lookup.result != route_lookup::outcome::not_found) {
        ex->route = lookup.row->name;
        return reply(preflight(*ex, lookup.allow));
    }
    if (auto refused = routing_answer(*ex, lookup, req.method(), req[http::field::content_type])) {
        return reply(std::move(*refused));
    }
    // A browser may keep a cached route's answer but revalidates it (If-None-Match, 304), so a
    // purge reaches it too (CONTRACT.md section 16).
    ex->cacheable = lookup.row->cache_ttl.count() > 0;
    upstream_call call;
    if (auto refused = build_upstream_call(std::move(lookup), req, query, call)) {
        return reply(std::move(*refused));
    }
    call.request_id = ex->request_id;
    upstream_.handle(std::move(call), [this, ex](route_outcome outcome) {
        ex->done(finish(*ex, std::move(outcome)));
    });
}

route_outcome request_dispatcher::answer_local(local_endpoint endpoint, const request& req) {
    switch (endpoint) {
    case local_endpoint::healthz:
        return json_outcome(http::status::ok, {{"status", "ok"}});
    case local_endpoint::readyz:
        return readiness();
    case local_endpoint::metrics: {
        response res{http::status::ok, 11};
        res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        res.body() = make_body(metrics_.render());
        return {std::move(res), {}};
    }
    case local_endpoint::openapi: {
        response res{http::status::ok, 11};
        res.set(http::field::content_type, "application/json");
        res.body() = openapi_;
        return {std::move(res), {}};
    }
    case local_endpoint::admin_cache_purge:
        return purge(req);
    }
    return error_outcome(errors::not_found, "no such endpoint");
}

// The answer when the path, method and media type alone decide the request (404, 400 for a
// path parameter, 405 or 204 with Allow, 415); nullopt for a request that goes on. Sets the
// route label.
std::optional<route_outcome> request_dispatcher::routing_answer(exchange& ex,
                                                                const route_lookup& lookup,
                                                                http::verb method,
                                                                std::string_view content_type) {
    if (lookup.result == route_lookup::outcome::not_found) {
        return error_outcome(errors::not_found, "no such endpoint");
    }
    ex.route = lookup.row->name;
    switch (lookup.result) {
    case route_lookup::outcome::bad_parameter:
        return error_outcome(errors::bad_request, lookup.problem);
    case route_lookup::outcome::method_not_allowed:
        return not_allowed(method, lookup.allow);
    case route_lookup::outcome::not_found:
    case route_lookup::outcome::matched:
        break;
    }
    if (lookup.row->has_body() && !is_json_media_type(content_type)) {
        return error_outcome(errors::unsupported_media_type,
                             "the request body must be JSON (Content-Type: application/json)");
    }
    return std::nullopt;
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
        ex.head = header->method() == http::verb::head;
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
    if (const auto local = match_local_endpoint(header.method(), ex.path);
        local.result != local_match::outcome::not_found) {
        if (local.result == local_match::outcome::matched) {
            return std::nullopt;
        }
        ex.route = local.name;
        return finish(ex, not_allowed(header.method(), local.allow));
    }
    const auto lookup = matcher_.match(header.method(), ex.path);
    auto refused = routing_answer(ex, lookup, header.method(), header[http::field::content_type]);
    if (!refused) {
        return std::nullopt;
    }
    return finish(ex, std::move(*refused));
}

response request_dispatcher::finish(exchange& ex, route_outcome outcome) const {
    auto& res = outcome.res;
    res.insert(request_id_header, ex.request_id);
    if (res.find(http::field::cache_control) == res.end()) {
        res.insert(http::field::cache_control, ex.cacheable ? "private, no-cache" : "no-store");
    }
    cors_.decorate(res, ex.origin);
    const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - ex.start);
    const auto bytes = shared_body::size(res.body());
    if (ex.head) {
        // HEAD answers as GET would, without the body (RFC 9110 section 9.3.2).
        res.content_length(bytes);
        res.body() = nullptr;
    }
    log_access({ex.method, ex.path, res.result_int(), static_cast<std::size_t>(bytes), elapsed,
                ex.request_id, outcome.error_id, ex.route, ex.client_ip});
    metrics_.observe_request(ex.route, res.result_int(),
                             std::chrono::duration<double>(elapsed).count());
    return std::move(res);
}

} // namespace kore_gateway
