// The gateway's request_handler: request ids, trace context, rate limiting, CORS, the gateway's own
// endpoints, route lookup in the route table, client authentication and the checks of the row,
// and hand-off of upstream routes;
// every answer gets its CORS, Cache-Control and X-Request-Id headers, one access-log line and its
// metrics here.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "kore_gateway/auth/client_authenticator.hpp"
#include "kore_gateway/config/config.hpp"
#include "kore_gateway/config/route_table.hpp"
#include "kore_gateway/cors/cors_policy.hpp"
#include "kore_gateway/gateway/local_endpoints.hpp"
#include "kore_gateway/gateway/route_matcher.hpp"
#include "kore_gateway/gateway/upstream_routes.hpp"
#include "kore_gateway/http/exchange.hpp"
#include "kore_gateway/limits/rate_limiter.hpp"
#include "kore_gateway/metrics/gateway_metrics.hpp"

namespace kore_gateway {

// Reloads the configuration (CONTRACT.md section 14) and calls back, from any thread, with an
// empty string when the new one took effect, else the reason it was refused.
using reload_fn = std::function<void(std::function<void(std::string error)>)>;

// What a dispatcher needs besides its configuration, all optional.
struct dispatcher_hooks {
    // What POST /admin/reload calls; empty: the endpoint answers that reloading is unavailable.
    reload_fn reload{};
    // Client authentication (CONTRACT.md section 17); null: no route requires any.
    client_authenticator* authenticator = nullptr;
    // The JWKS, for readiness; null when no JWT settings are configured.
    const jwk_provider* keys = nullptr;
};

class request_dispatcher final : public request_handler {
public:
    // routes must outlive the dispatcher, and so must what hooks points to.
    request_dispatcher(const gateway_config& config, const route_table& routes,
                       upstream_routes& upstream, gateway_metrics& metrics, const clock& clock,
                       dispatcher_hooks hooks = {});

    void handle(request req, const request_context& ctx, respond_fn done) override;
    // As handle, keeping pin alive until the answer is given: the configuration snapshot this
    // dispatcher belongs to.
    void handle(request req, const request_context& ctx, respond_fn done,
                std::shared_ptr<const void> pin);
    response reject(rejection why, std::string_view detail, const http::request_header<>* header,
                    const request_context& ctx) override;
    std::optional<response> answer_before_body(const http::request_header<>& header,
                                               const request_context& ctx) override;

private:
    struct exchange; // per-request state shared by the steps below
    using exchange_ptr = std::shared_ptr<exchange>;

    static exchange exchange_of(const http::request_header<>* header, const request_context& ctx);
    static route_outcome not_allowed(http::verb method, std::string_view allow);
    void dispatch(const exchange_ptr& ex);
    route_outcome preflight(exchange& ex, std::string_view allow) const;
    // The per-IP limit, unless it was left to the client's own limit; nullopt: admitted.
    std::optional<route_outcome> ip_limit_refusal(exchange& ex);
    // Client authentication of demand, then next(ex) or the refusal (section 17's order).
    void authenticate(const exchange_ptr& ex, const auth_demand& demand,
                      std::function<void(const exchange_ptr&)> next);
    void forward(const exchange_ptr& ex, route_lookup&& lookup);

    // The gateway's own endpoints (request_dispatcher_local.cpp). nullopt when the answer comes
    // later, through ex.done.
    std::optional<route_outcome> answer_local(local_endpoint endpoint, const exchange_ptr& ex);
    std::optional<route_outcome> admin_refusal(const request& req) const;
    void reload(const exchange_ptr& ex);
    route_outcome readiness() const;
    route_outcome metrics_answer() const;
    std::optional<route_outcome> purge(const exchange_ptr& ex);

    // 404 and 405 (or 204 with Allow): what the path and method alone decide. Sets the route
    // label; nullopt for a request that goes on.
    static std::optional<route_outcome> routing_refusal(exchange& ex, const route_lookup& lookup,
                                                        http::verb method);
    // 400 for a path parameter, 415: checks of the request itself, after client authentication.
    static std::optional<route_outcome> request_refusal(const route_lookup& lookup,
                                                        std::string_view content_type);
    client_auth_mode auth_mode_of(const route_row& row) const;
    response finish(exchange& ex, route_outcome&& outcome) const;

    const gateway_config& config_;
    upstream_routes& upstream_;
    gateway_metrics& metrics_;
    dispatcher_hooks hooks_;
    bool client_auth_on_; // some route (or /metrics) requires client authentication
    cors_policy cors_;
    route_matcher matcher_;
    rate_limiter limiter_;
    shared_body::value_type openapi_; // rendered once for the table
};

} // namespace kore_gateway
