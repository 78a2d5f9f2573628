// The seam between the dispatcher and the routes that go upstream: the dispatcher has matched the
// route row and checked its parameters, query and body.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "kore_gateway/config/route_table.hpp"
#include "kore_gateway/gateway/route_matcher.hpp"
#include "kore_gateway/gateway/route_outcome.hpp"
#include "kore_gateway/http/trace_context.hpp"

namespace kore_gateway {

// A validated call to an upstream route.
struct upstream_call {
    const route_row* row = nullptr;      // lives as long as the route table
    http::verb method = http::verb::get; // the client's: HEAD on a GET route is answered as GET
    path_params params;
    std::vector<std::pair<std::string, std::string>> query;   // checked, decoded, sorted by name
    std::string body;                                         // writes with a body, checked
    std::string content_type;                                 // of body
    std::vector<std::pair<std::string, std::string>> headers; // the row's forward_headers sent
    std::string request_id;                                   // forwarded as X-Request-Id
    // The client's trace, or one the gateway started (section 15); owned by the dispatcher's
    // exchange, which lives until the call's outcome has been handed back. Null: none.
    const request_trace* trace = nullptr;
    std::string if_none_match; // the client's conditional header, for 304
};

class upstream_routes {
public:
    virtual ~upstream_routes() = default;
    virtual void handle(upstream_call&& call, outcome_fn done) = 0;
    // Readiness of every configured upstream: empty when ready, else the reason.
    virtual std::string not_ready_reason() const = 0;
    // Empties the response cache (route empty), or drops one route's entries, in every replica
    // (section 13); done gets how many entries were dropped. False, without calling done, when
    // no route has that name.
    virtual bool purge_cache(const std::string& route, std::function<void(std::size_t)> done) = 0;
};

} // namespace kore_gateway
