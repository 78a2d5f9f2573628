// What a route handler hands back to the dispatcher: the answer and, when it is one of our own
// errors, the error_id that the access-log line must carry.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "kore_gateway/http/exchange.hpp"
#include "kore_gateway/http/json_error.hpp"
#include "kore_gateway/util/ids.hpp"

namespace kore_gateway {

// HIT, MISS or STALE on the answers of cached routes (CONTRACT.md section 6).
inline constexpr std::string_view x_cache_header = "X-Cache";

struct route_outcome {
    response res;
    std::string error_id;
    std::optional<double> upstream_ms{}; // the upstream exchange's time, when one was made
    std::string_view cache{}; // the X-Cache value (a static string) on cached routes, for the log
};

using outcome_fn = std::function<void(route_outcome&&)>;

// An error answer with a fresh error_id; details is its "errors" array.
inline route_outcome
error_outcome(const error_kind& kind, std::string_view message,
              const nlohmann::ordered_json& details = nlohmann::ordered_json::array()) {
    auto id = random_id();
    auto res = make_error_response(kind, message, id, details);
    return {std::move(res), std::move(id)};
}

} // namespace kore_gateway
