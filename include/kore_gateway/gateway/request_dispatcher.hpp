// The gateway's request_handler: request ids, rate limiting, CORS, routing and validation, the
// local endpoints, and hand-off of upstream routes; every answer gets its CORS and X-Request-Id
// headers, one access-log line and its metrics here.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "kore_gateway/config/config.hpp"
#include "kore_gateway/cors/cors_policy.hpp"
#include "kore_gateway/gateway/upstream_routes.hpp"
#include "kore_gateway/http/exchange.hpp"
#include "kore_gateway/http/router.hpp"
#include "kore_gateway/limits/rate_limiter.hpp"
#include "kore_gateway/metrics/gateway_metrics.hpp"

namespace kore_gateway {

class request_dispatcher final : public request_handler {
public:
    request_dispatcher(const gateway_config& config, upstream_routes& upstream,
                       gateway_metrics& metrics, const clock& clock);

    void handle(request req, const request_context& ctx, respond_fn done) override;
    response reject(rejection why, std::string_view detail, const http::request_header<>* header,
                    const request_context& ctx) override;
    std::optional<response> answer_before_body(const http::request_header<>& header,
                                               const request_context& ctx) override;

private:
    struct exchange; // per-request state shared by the steps below

    static exchange exchange_of(const http::request_header<>* header, const request_context& ctx);
    void dispatch(const std::shared_ptr<exchange>& ex, request& req);
    std::optional<route_outcome> routing_answer(exchange& ex, const route_match& match,
                                                http::verb method) const;
    bool is_cached_route(route_id route) const;
    void handle_upstream(const std::shared_ptr<exchange>& ex, request& req, route_match match,
                         std::string_view query);
    route_outcome readiness() const;
    route_outcome purge(const request& req);
    response finish(exchange& ex, route_outcome outcome) const;

    const gateway_config& config_;
    upstream_routes& upstream_;
    gateway_metrics& metrics_;
    cors_policy cors_;
    router router_;
    rate_limiter limiter_;
};

} // namespace kore_gateway
