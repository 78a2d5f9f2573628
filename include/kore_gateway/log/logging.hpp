// spdlog set-up and the one access-log line per request.
#pragma once

#include <chrono>
#include <string_view>

namespace kore_gateway {

// Installs the process-wide logger at the given level (trace/debug/info/warn/error).
void setup_logging(std::string_view level);

// What the access log records about one exchange. No header values: they may carry secrets.
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
};

void log_access(const access_record& record);

} // namespace kore_gateway
