#include "kore_gateway/log/json_formatter.hpp"

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

namespace kore_gateway {

namespace {

// Keys keep the order they are written in, so a line reads ts, level, msg, then the fields.
using nlohmann::ordered_json;

thread_local const access_record* current_access = nullptr;

// spdlog's own names say "warning" and "off"; the contract's say "warn".
std::string_view level_name(spdlog::level::level_enum level) {
    switch (level) {
    case spdlog::level::trace:
        return "trace";
    case spdlog::level::debug:
        return "debug";
    case spdlog::level::info:
        return "info";
    case spdlog::level::warn:
        return "warn";
    case spdlog::level::err:
        return "error";
    case spdlog::level::critical:
        return "critical";
    case spdlog::level::off:
    case spdlog::level::n_levels:
        break;
    }
    return "off";
}

ordered_json string_or_null(std::string_view value) {
    return value.empty() ? ordered_json() : ordered_json(value);
}

void add_access_fields(ordered_json& line, const access_record& r) {
    line["method"] = string_or_null(r.method);
    line["path"] = string_or_null(r.path);
    line["route"] = string_or_null(r.route);
    line["status"] = r.status;
    line["bytes"] = r.bytes;
    line["duration_us"] = r.duration.count();
    line["request_id"] = string_or_null(r.request_id);
    line["trace_id"] = string_or_null(r.trace_id);
    line["error_id"] = string_or_null(r.error_id);
    line["client"] = string_or_null(r.client_ip);
    line["client_id"] = r.client_id ? ordered_json(*r.client_id) : ordered_json();
    line["cache"] = string_or_null(r.cache);
    line["upstream_ms"] = r.upstream_ms ? ordered_json(*r.upstream_ms) : ordered_json();
}

} // namespace

json_formatter::access_scope::access_scope(const access_record& record)
    : previous_(current_access) {
    current_access = &record;
}

json_formatter::access_scope::~access_scope() {
    current_access = previous_;
}

void json_formatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
    const auto second = std::chrono::floor<std::chrono::seconds>(msg.time);
    const auto since_epoch = static_cast<std::time_t>(second.time_since_epoch().count());
    if (since_epoch != cached_second_) {
        std::tm utc{};
        gmtime_r(&since_epoch, &utc);
        std::strftime(cached_prefix_.data(), cached_prefix_.size(), "%Y-%m-%dT%H:%M:%S", &utc);
        cached_second_ = since_epoch;
    }
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(msg.time - second).count();
    std::array<char, 32> ts{};
    const auto ts_end =
        fmt::format_to_n(ts.data(), ts.size(), "{}.{:03}Z", cached_prefix_.data(), millis).out;

    ordered_json line;
    line["ts"] = std::string_view(ts.data(), static_cast<std::size_t>(ts_end - ts.data()));
    line["level"] = level_name(msg.level);
    if (current_access != nullptr) {
        line["msg"] = "access";
        add_access_fields(line, *current_access);
    } else {
        line["msg"] = std::string_view(msg.payload.data(), msg.payload.size());
    }
    const auto text = line.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
    dest.append(text.data(), text.data() + text.size());
    dest.push_back('\n');
}

std::unique_ptr<spdlog::formatter> json_formatter::clone() const {
    return std::make_unique<json_formatter>();
}

} // namespace kore_gateway
