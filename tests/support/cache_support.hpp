// Helpers for the cache and limits integration tests: reading the gateway's metrics, polling a
// route until time has moved an answer on, and bending the Catalog fake's answers.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>

#include <nlohmann/json.hpp>

#include "kore_gateway/mock/fake_upstreams.hpp"
#include "support/test_client.hpp"

namespace kore_gateway::testing {

inline nlohmann::json json_body(const test_response& res) {
    return nlohmann::json::parse(res.body());
}

inline std::string header_of(const test_response& res, std::string_view name) {
    return std::string(res[boost::beast::string_view(name.data(), name.size())]);
}

// The value of the unlabelled sample `name` in a Prometheus text exposition, if there is one.
inline std::optional<double> metric_value(const std::string& exposition, std::string_view name) {
    std::istringstream lines(exposition);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.size() > name.size() && line.starts_with(name) && line[name.size()] == ' ') {
            return std::stod(line.substr(name.size() + 1));
        }
    }
    return std::nullopt;
}

inline std::string metrics_text(std::uint16_t port) {
    const auto res = fetch(port, http::verb::get, "/metrics");
    return res.result_int() == 200 ? res.body() : std::string();
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

// GETs target on fresh connections every 50 ms until done(answer) holds or the bound passes;
// returns the last answer. For the few tests that must let a 1 s TTL pass.
inline test_response poll_get(std::uint16_t port, const std::string& target,
                              const std::function<bool(const test_response&)>& done,
                              std::chrono::milliseconds bound = std::chrono::seconds(6)) {
    const auto deadline = std::chrono::steady_clock::now() + bound;
    for (;;) {
        auto res = fetch(port, http::verb::get, target);
        if (done(res) || std::chrono::steady_clock::now() >= deadline) {
            return res;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

} // namespace kore_gateway::testing
