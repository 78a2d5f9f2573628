// Answers of the gateway's request handler and upstream routes, read in unit tests the way a
// client reads them, so that the support kit's checks (is_gateway_error, ...) apply to them too.
#pragma once

#include <string>

#include "kore_gateway/http/exchange.hpp"
#include "support/test_client.hpp"

namespace kore_gateway::testing {

// res as it would arrive: status, every header line, and the body (empty when there is none).
inline test_response as_received(const response& res) {
    test_response out{res.result(), res.version()};
    for (const auto& field : res) {
        out.insert(field.name_string(), field.value());
    }
    out.body() = res.body() ? *res.body() : std::string();
    return out;
}

} // namespace kore_gateway::testing
