#include "kore_gateway/http/http_date.hpp"

#include <array>

namespace kore_gateway {

std::string format_http_date(std::time_t when) {
    std::tm utc{};
    gmtime_r(&when, &utc);
    // strftime's %a and %b follow the locale; the gateway never sets one, so they are "C"'s.
    std::array<char, 32> text{};
    const auto length = std::strftime(text.data(), text.size(), "%a, %d %b %Y %H:%M:%S GMT", &utc);
    return {text.data(), length};
}

std::string_view http_date_now() {
    thread_local std::time_t formatted_second = -1;
    thread_local std::string formatted;
    const auto now = std::time(nullptr);
    if (now != formatted_second) {
        formatted = format_http_date(now);
        formatted_second = now;
    }
    return formatted;
}

} // namespace kore_gateway
