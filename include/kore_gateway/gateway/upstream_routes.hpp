// The seam between the dispatcher and the four routes that go upstream (deals, products,
// offers, price): the dispatcher has already matched the route and checked its parameters.
#pragma once

#include <string>

#include "kore_gateway/gateway/route_outcome.hpp"
#include "kore_gateway/http/router.hpp"

namespace kore_gateway {

// A validated call to an upstream route.
struct upstream_call {
    route_id route;
    path_params params;
    std::string customer_id;   // empty when absent
    std::string body;          // the price body, already validated
    std::string request_id;    // forwarded as X-Request-Id
    std::string if_none_match; // the client's conditional header, for 304
};

class upstream_routes {
public:
    virtual ~upstream_routes() = default;
    virtual void handle(upstream_call call, outcome_fn done) = 0;
    // Readiness of every configured upstream: empty when ready, else the reason.
    virtual std::string not_ready_reason() const = 0;
    // Empties the response cache; returns how many entries were dropped.
    virtual std::size_t purge_cache() = 0;
};

} // namespace kore_gateway
