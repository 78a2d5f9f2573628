#include "kore_gateway/log/logging.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <stdexcept>
#include <string>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "kore_gateway/log/json_formatter.hpp"

namespace kore_gateway {

namespace {

constexpr auto logger_name = "kore-gateway";

spdlog::level::level_enum parse_level(std::string_view level) {
    // spdlog's own from_str turns an unknown name into "off", which would silence the gateway.
    static constexpr std::array<std::pair<std::string_view, spdlog::level::level_enum>, 6> levels{{
        {"trace", spdlog::level::trace},
        {"debug", spdlog::level::debug},
        {"info", spdlog::level::info},
        {"warn", spdlog::level::warn},
        {"error", spdlog::level::err},
        {"critical", spdlog::level::critical},
    }};
    for (const auto& [name, value] : levels) {
        if (name == level) {
            return value;
        }
    }
    throw std::invalid_argument("unknown log level: " + std::string(level));
}

std::string_view or_dash(std::string_view value) {
    return value.empty() ? "-" : value;
}

// Into the caller's stack buffer, so the text line costs no allocation of its own.
std::string_view format_ms(std::optional<double> ms, std::array<char, 32>& buffer) {
    if (!ms) {
        return "-";
    }
    const auto written = fmt::format_to_n(buffer.data(), buffer.size(), "{:.3f}", *ms).size;
    return {buffer.data(), std::min(written, buffer.size())};
}

} // namespace

void setup_logging(std::string_view level, std::string_view format) {
    const auto parsed_level = parse_level(level);
    if (format != "text" && format != "json") {
        throw std::invalid_argument("unknown log format: " + std::string(format));
    }
    spdlog::drop(logger_name);
    if (format == "json") {
        // Colour codes would corrupt the JSON, so this sink never writes any.
        auto logger = spdlog::stderr_logger_mt(logger_name);
        logger->set_formatter(std::make_unique<json_formatter>());
        spdlog::set_default_logger(std::move(logger));
    } else {
        auto logger = spdlog::stderr_color_mt(logger_name);
        logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
        spdlog::set_default_logger(std::move(logger));
    }
    spdlog::set_level(parsed_level);
}

void set_log_level(std::string_view level) {
    spdlog::set_level(parse_level(level));
}

void log_access(const access_record& r) {
    if (!spdlog::should_log(spdlog::level::info)) {
        return;
    }
    // Paths are printed escape-free but bounded: the router has already refused anything that
    // is not a known route, so only unmatched paths can be long or odd.
    access_record bounded = r;
    bounded.path = r.path.substr(0, max_logged_path);
    std::array<char, 32> upstream_ms_text{};
    // The text is the message of the text format; the JSON format writes the record's fields.
    const json_formatter::access_scope scope(bounded);
    spdlog::info("access {} {} {} bytes={} duration_us={} route={} request_id={} error_id={} "
                 "client={} trace_id={} client_id={} cache={} upstream_ms={}",
                 r.method, bounded.path, r.status, r.bytes, r.duration.count(), r.route,
                 r.request_id, or_dash(r.error_id), r.client_ip, or_dash(r.trace_id),
                 or_dash(r.client_id.value_or("")), or_dash(r.cache),
                 format_ms(r.upstream_ms, upstream_ms_text));
}

} // namespace kore_gateway
