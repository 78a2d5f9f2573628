#include "kore_gateway/gateway/request_dispatcher.hpp"

#include <algorithm>

#include "kore_gateway/gateway/call_builder.hpp"
#include "kore_gateway/gateway/dispatcher_exchange.hpp"
#include "kore_gateway/gateway/openapi.hpp"
#include "kore_gateway/log/logging.hpp"
#include "kore_gateway/util/ascii.hpp"

namespace kore_gateway {
namespace {

constexpr std::string_view request_id_header = "X-Request-Id";

// The W3C rules treat a repeated traceparent as invalid, and tracestate lines as one list. One
// walk over the fields, as neither name is one Beast knows (a lookup by name would compare
// strings down the whole tree for the many requests that carry neither). fresh_id: the id of a
// trace the gateway starts.
template <class Fields> request_trace trace_of(const Fields& fields, std::string fresh_id) {
    std::string_view traceparent;
    std::size_t traceparents = 0;
    std::string tracestate;
    for (const auto& field : fields) {
        if (field.name() != http::field::unknown) {
            continue;
        }
        const auto name = field.name_string();
        if (iequals_ascii(name, "traceparent")) {
            traceparent = field.value();
            ++traceparents;
        } else if (iequals_ascii(name, "tracestate")) {
            tracestate += (tracestate.empty() ? "" : ",") + std::string(field.value());
        }
    }
    return continue_trace(traceparents == 1 ? traceparent : std::string_view(), tracestate,
                          std::move(fresh_id));
}

bool any_route_requires_auth(const gateway_config& config, const route_table& routes) {
    if (config.client_auth.required()) {
        return true;
    }
    return std::any_of(routes.rows().begin(), routes.rows().end(), [](const route_row& row) {
        return row.client_auth && row.client_auth->required();
    });
}

} // namespace

request_dispatcher::request_dispatcher(const gateway_config& config, const route_table& routes,
                                       upstream_routes& upstream, gateway_metrics& metrics,
                                       const clock& clock, dispatcher_hooks hooks)
    : config_(config), upstream_(upstream), metrics_(metrics), hooks_(std::move(hooks)),
      client_auth_on_(hooks_.authenticator != nullptr && any_route_requires_auth(config, routes)),
      cors_(config.cors_origins, client_auth_on_), matcher_(routes),
      limiter_(config.rate_limit_rps, clock),
      openapi_(make_body(make_openapi(routes, {.admin_enabled = !config.admin_token.empty(),
                                               .rate_limited = config.rate_limit_rps > 0,
                                               .client_auth = config.client_auth,
                                               .metrics_auth = config.metrics_auth,
                                               .circuit_breaker = config.circuit_failures > 0}))) {}

void request_dispatcher::handle(request req, const request_context& ctx, respond_fn done) {
    handle(std::move(req), ctx, std::move(done), nullptr);
}

void request_dispatcher::handle(request req, const request_context& ctx, respond_fn done,
                                std::shared_ptr<const void> pin) {
    auto ex = std::make_shared<exchange>();
    ex->pin = std::move(pin);
    const auto client_request_id = req[request_id_header];
    // A random id of the gateway's serves as the request id and, when the client sends no trace
    // to continue, as the id of the trace it starts: one random draw on the hit path, not two.
    auto fresh_id = random_id();
    ex->request_id =
        is_valid_request_id(client_request_id) ? std::string(client_request_id) : fresh_id;
    ex->req = std::move(req);
    ex->origin = ex->req[http::field::origin];
    ex->method = ex->req.method_string();
    ex->head = ex->req.method() == http::verb::head;
    std::tie(ex->path, ex->query) = split_target(ex->req.target());
    ex->client_ip = ctx.client_ip;
    ex->trace = trace_of(ex->req, std::move(fresh_id));
    ex->start = ctx.start;
    ex->done = std::move(done);

    // A client with a rate limit of its own is held to that one instead (section 17).
    ex->ip_limit_deferred =
        client_auth_on_ && limiter_.enabled() &&
        hooks_.authenticator->has_own_rate_limit(ex->req[http::field::authorization]);
    if (auto refused = ip_limit_refusal(*ex)) {
        return ex->done(finish(*ex, std::move(*refused)));
    }
    dispatch(ex);
}

std::optional<route_outcome> request_dispatcher::ip_limit_refusal(exchange& ex) {
    if (ex.ip_limit_deferred) {
        return std::nullopt;
    }
    const auto decision = limiter_.admit(ex.client_ip);
    if (decision.allowed) {
        return std::nullopt;
    }
    auto outcome = error_outcome(errors::rate_limited, "request rate limit exceeded");
    outcome.res.set(http::field::retry_after, std::to_string(decision.retry_after.count()));
    return outcome;
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

void request_dispatcher::dispatch(const exchange_ptr& ex) {
    const auto& req = ex->req;
    const auto reply = [&](route_outcome outcome) { ex->done(finish(*ex, std::move(outcome))); };
    const bool is_cors_preflight = is_preflight(req);

    if (const auto local = match_local_endpoint(req.method(), ex->path);
        local.result != local_match::outcome::not_found) {
        ex->route = local.name;
        if (is_cors_preflight) {
            return reply(preflight(*ex, local.allow));
        }
        if (local.result == local_match::outcome::method_not_allowed) {
            return reply(not_allowed(req.method(), local.allow));
        }
        if (auto outcome = answer_local(local.endpoint, ex)) {
            reply(std::move(*outcome));
        }
        return;
    }

    auto lookup = matcher_.match(req.method(), ex->path);
    if (is_cors_preflight && lookup.result != route_lookup::outcome::not_found) {
        ex->route = lookup.row->name;
        return reply(preflight(*ex, lookup.allow));
    }
    if (auto refused = routing_refusal(*ex, lookup, req.method())) {
        return reply(std::move(*refused));
    }
    const auto& row = *lookup.row;
    const auto mode = auth_mode_of(row);
    if (!mode.required() && !ex->ip_limit_deferred) {
        // Nothing to wait for: no callbacks to allocate on the hit path.
        return forward(ex, std::move(lookup));
    }
    authenticate(ex, {mode, row.name, &row.required_scopes},
                 [this, lookup = std::move(lookup)](const exchange_ptr& authenticated) mutable {
                     forward(authenticated, std::move(lookup));
                 });
}

client_auth_mode request_dispatcher::auth_mode_of(const route_row& row) const {
    return hooks_.authenticator == nullptr ? client_auth_mode{}
                                           : row.client_auth_or(config_.client_auth);
}

void request_dispatcher::authenticate(const exchange_ptr& ex, const auth_demand& demand,
                                      std::function<void(const exchange_ptr&)> next) {
    // After authentication: the per-IP limit a rate-limited key deferred, unless that key is
    // what authenticated the request (it then had its own limit applied).
    const auto admit = [this, ex, next = std::move(next)](const auth_result& result) {
        ex->client = result.client;
        if (result.refusal != auth_refusal::none) {
            return ex->done(finish(*ex, refusal_outcome(result)));
        }
        ex->ip_limit_deferred =
            ex->ip_limit_deferred && ex->client && ex->client->metrics_label != "jwt";
        if (auto refused = ip_limit_refusal(*ex)) {
            return ex->done(finish(*ex, std::move(*refused)));
        }
        next(ex);
    };
    if (!demand.mode.required()) {
        return admit(auth_result{});
    }
    hooks_.authenticator->authenticate(demand, ex->req[http::field::authorization], admit);
}

void request_dispatcher::forward(const exchange_ptr& ex, route_lookup&& lookup) {
    if (auto refused = request_refusal(lookup, ex->req[http::field::content_type])) {
        return ex->done(finish(*ex, std::move(*refused)));
    }
    // A browser may keep a cached route's answer but revalidates it (If-None-Match, 304), so a
    // purge reaches it too (CONTRACT.md section 16).
    ex->cacheable = lookup.row->cache_ttl.count() > 0;
    upstream_call call;
    if (auto refused = build_upstream_call(std::move(lookup), ex->req, ex->query, call)) {
        return ex->done(finish(*ex, std::move(*refused)));
    }
    call.request_id = ex->request_id;
    call.trace = &ex->trace;
    upstream_.handle(std::move(call), [this, ex](route_outcome&& outcome) {
        ex->done(finish(*ex, std::move(outcome)));
    });
}

std::optional<route_outcome>
request_dispatcher::routing_refusal(exchange& ex, const route_lookup& lookup, http::verb method) {
    if (lookup.result == route_lookup::outcome::not_found) {
        return error_outcome(errors::not_found, "no such endpoint");
    }
    ex.route = lookup.row->name;
    if (lookup.result == route_lookup::outcome::method_not_allowed) {
        return not_allowed(method, lookup.allow);
    }
    return std::nullopt;
}

std::optional<route_outcome> request_dispatcher::request_refusal(const route_lookup& lookup,
                                                                 std::string_view content_type) {
    if (lookup.result == route_lookup::outcome::bad_parameter) {
        return error_outcome(errors::bad_request, lookup.problem);
    }
    if (lookup.row->has_body() && !is_json_media_type(content_type)) {
        return error_outcome(errors::unsupported_media_type,
                             "the request body must be JSON (Content-Type: application/json)");
    }
    return std::nullopt;
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
        ex.trace = trace_of(*header, {});
    } else {
        ex.request_id = random_id();
        ex.origin = ctx.unparsed_origin;
        ex.method = "-";
        ex.path = "-";
        ex.trace = continue_trace({}, {});
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

// The header of a request that expects 100 Continue: what it alone decides is answered before the
// body comes, in section 17's order, so a route that requires client authentication answers
// only 404 and 405 here (its 401 needs the checks that run once the request is whole).
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
    auto refused = routing_refusal(ex, lookup, header.method());
    if (!refused && !auth_mode_of(*lookup.row).required()) {
        refused = request_refusal(lookup, header[http::field::content_type]);
    }
    if (!refused) {
        return std::nullopt;
    }
    return finish(ex, std::move(*refused));
}

response request_dispatcher::finish(exchange& ex, route_outcome&& outcome) const {
    auto& res = outcome.res;
    res.insert(http::field::unknown, request_id_header, ex.request_id); // not a name Beast knows
    // No route or endpoint sets Cache-Control itself (upstream ones are not passed on).
    res.insert(http::field::cache_control, ex.cacheable ? "private, no-cache" : "no-store");
    cors_.decorate(res, ex.origin);
    const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - ex.start);
    const auto bytes = shared_body::size(res.body());
    if (ex.head) {
        // HEAD answers as GET would, without the body (RFC 9110 section 9.3.2).
        res.content_length(bytes);
        res.body() = nullptr;
    }
    std::optional<std::string_view> client_id;
    if (ex.client) {
        client_id = ex.client->log_id;
    }
    log_access({.method = ex.method,
                .path = ex.path,
                .status = res.result_int(),
                .bytes = static_cast<std::size_t>(bytes),
                .duration = elapsed,
                .request_id = ex.request_id,
                .error_id = outcome.error_id,
                .route = ex.route,
                .client_ip = ex.client_ip,
                .trace_id = ex.trace.trace_id,
                .client_id = client_id,
                .cache = outcome.cache,
                .upstream_ms = outcome.upstream_ms});
    metrics_.observe_request(ex.route, res.result_int(),
                             std::chrono::duration<double>(elapsed).count());
    if (client_auth_on_) {
        metrics_.client_request(ex.client ? std::string_view(ex.client->metrics_label)
                                          : std::string_view("anonymous"),
                                res.result_int());
    }
    return std::move(res);
}

} // namespace kore_gateway
