#include "kore_gateway/log/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace kore_gateway {

void setup_logging(std::string_view level) {
    spdlog::drop("kore-gateway");
    auto logger = spdlog::stderr_color_mt("kore-gateway");
    spdlog::set_default_logger(logger);
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
    spdlog::set_level(spdlog::level::from_str(std::string(level)));
}

void log_access(const access_record& r) {
    // Paths are printed escaped-free but bounded: the router has already refused anything that
    // is not a known route, so only unmatched paths can be long or odd.
    constexpr std::size_t max_path = 256;
    const auto path = r.path.substr(0, max_path);
    spdlog::info("access {} {} {} bytes={} duration_us={} route={} request_id={} error_id={} "
                 "client={}",
                 r.method, path, r.status, r.bytes, r.duration.count(), r.route, r.request_id,
                 r.error_id.empty() ? std::string_view("-") : r.error_id, r.client_ip);
}

} // namespace kore_gateway
