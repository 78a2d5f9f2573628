// Reading the gateway's /metrics answer in tests: one series' value, or that it is absent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kore_gateway::testing {

// The value of one series in a Prometheus text exposition, the series written exactly as exposed
// (name plus labels, e.g. `kore_gateway_circuit_open{upstream="kore"}`); nullopt when absent.
std::optional<double> metric_value(std::string_view exposition, std::string_view series);

// The gateway's /metrics answer on a fresh connection; empty unless it answered 200.
std::string metrics_text(std::uint16_t port);

} // namespace kore_gateway::testing
