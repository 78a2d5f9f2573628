// spdlog set-up (text or JSON lines) and the one access-log line per request.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string_view>

namespace kore_gateway {

// Installs the process-wide stderr logger at `level` (trace/debug/info/warn/error/critical) in
// `format` "text" (a timestamped line) or "json" (one JSON object per line, see
// json_formatter.hpp). Throws std::invalid_argument for any other level or format.
void setup_logging(std::string_view level, std::string_view format = "text");

// Changes the level of every logger, as a reload does; the same levels and errors as above.
void set_log_level(std::string_view level);

// What the access log records about one exchange. No header values and no query string: they
// may carry secrets. Empty strings and nullopt mean "does not apply" (null in JSON, - in text).
struct access_record {
    std::string_view method;
    std::string_view path; // without the query string
    unsigned status;
    std::size_t bytes; // response body bytes
    std::chrono::microseconds duration;
    std::string_view request_id;
    std::string_view error_id; // empty when the answer is not an error of ours
    std::string_view route;
    std::string_view client_ip;
    std::string_view trace_id{};
    std::optional<std::string_view> client_id{}; // nullopt when the caller is unauthenticated
    std::string_view cache{};                    // "HIT", "MISS", "STALE"...; empty when uncached
    std::optional<double> upstream_ms{};         // nullopt when no upstream was called
};

// Paths longer than this are cut in the log: only unmatched paths can be long or odd.
inline constexpr std::size_t max_logged_path = 256;

void log_access(const access_record& record);

} // namespace kore_gateway
