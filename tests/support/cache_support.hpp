// Helpers for the cache and limits integration tests: reading a header (X-Cache above all), and
// bending the Catalog fake's answers.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "kore_gateway/mock/fake_upstreams.hpp"
#include "support/test_client.hpp"

namespace kore_gateway::testing {

inline std::string header_of(const test_response& res, std::string_view name) {
    return std::string(res[boost::beast::string_view(name.data(), name.size())]);
}

// HIT, MISS or STALE: how the gateway's cache answered.
inline std::string x_cache(const test_response& res) {
    return header_of(res, "X-Cache");
}

// Makes the Catalog fake answer as it would, then lets adjust bend the reply (status, headers,
// faults, delay). Runs on the fake's thread.
inline void bend_catalog(fake_catalog& catalog, std::function<void(mock_reply&)> adjust) {
    catalog.server().set_handler(
        [&catalog, adjust = std::move(adjust)](const recorded_request& req) {
            auto reply = catalog.handle(req);
            adjust(reply);
            return reply;
        });
}

} // namespace kore_gateway::testing
