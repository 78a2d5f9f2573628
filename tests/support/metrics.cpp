#include "support/metrics.hpp"

#include <algorithm>

#include "support/test_client.hpp"

namespace kore_gateway::testing {

std::optional<double> metric_value(std::string_view exposition, std::string_view series) {
    std::size_t at = 0;
    while (at < exposition.size()) {
        const auto end = std::min(exposition.find('\n', at), exposition.size());
        const auto line = exposition.substr(at, end - at);
        // The series, then one space, then the value: a longer name sharing the prefix differs.
        if (line.size() > series.size() && line.starts_with(series) && line[series.size()] == ' ') {
            return std::stod(std::string(line.substr(series.size() + 1)));
        }
        at = end + 1;
    }
    return std::nullopt;
}

std::string metrics_text(std::uint16_t port) {
    const auto res = fetch(port, http::verb::get, "/metrics");
    return res.result_int() == 200 ? res.body() : std::string();
}

} // namespace kore_gateway::testing
