// The gateway's request_handler: request ids, rate limiting, CORS, the gateway's own endpoints,
// route lookup in the route table and the checks of its row, and hand-off of upstream routes;
// every answer gets its CORS, Cache-Control and X-Request-Id headers, one access-log line and its
// metrics here.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

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

class request_dispatcher final : public request_handler {
public:
    // routes must outlive the dispatcher.
    request_dispatcher(const gateway_config& config, const route_table& routes,
                       upstream_routes& upstream, gateway_metrics& metrics, const clock& clock);

    void handle(request req, const request_context& ctx, respond_fn done) override;
    response reject(rejection why, std::string_view detail, const http::request_header<>* header,
                    const request_context& ctx) override;
    std::optional<response> answer_before_body(const http::request_header<>& header,
                                               const request_context& ctx) override;

private:
    struct exchange; // per-request state shared by the steps below

    static exchange exchange_of(const http::request_header<>* header, const request_context& ctx);
    static route_outcome not_allowed(http::verb method, std::string_view allow);
    void dispatch(const std::shared_ptr<exchange>& ex, request& req);
    route_outcome preflight(exchange& ex, std::string_view allow) const;
    route_outcome answer_local(local_endpoint endpoint, const request& req);
    static std::optional<route_outcome> routing_answer(exchange& ex, const route_lookup& lookup,
                                                       http::verb method,
                                                       std::string_view content_type);
    route_outcome readiness() const;
    route_outcome purge(const request& req);
    response finish(exchange& ex, route_outcome outcome) const;

    const gateway_config& config_;
    upstream_routes& upstream_;
    gateway_metrics& metrics_;
    cors_policy cors_;
    route_matcher matcher_;
    rate_limiter limiter_;
    shared_body::value_type openapi_; // rendered once for the table
};

} // namespace kore_gateway
