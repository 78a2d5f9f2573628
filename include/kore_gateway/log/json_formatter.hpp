// The JSON log format: every spdlog line, from any caller, as one JSON object on one line.
#pragma once

#include <array>
#include <ctime>
#include <memory>

#include <spdlog/formatter.h>

#include "kore_gateway/log/logging.hpp"

namespace kore_gateway {

// {"ts": RFC 3339 UTC with milliseconds, "level": trace..critical, "msg": the message}; an access
// line instead has "msg": "access" and every field of its access_record. Values are escaped by
// nlohmann::json, and bytes that are not UTF-8 become U+FFFD rather than an exception.
class json_formatter final : public spdlog::formatter {
public:
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
    std::unique_ptr<spdlog::formatter> clone() const override;

    // spdlog hands a formatter only the message text, so the access record travels beside it:
    // while a scope lives, lines logged on its thread are that record's access line. Loggers
    // are synchronous, so the formatter runs on the logging thread; a line formatted elsewhere
    // (a backtrace dump) falls back to its text message.
    class access_scope {
    public:
        explicit access_scope(const access_record& record);
        ~access_scope();
        access_scope(const access_scope&) = delete;
        access_scope& operator=(const access_scope&) = delete;

    private:
        const access_record* previous_;
    };

private:
    // "YYYY-MM-DDTHH:MM:SS" is formatted once per second, as spdlog's own pattern does.
    std::time_t cached_second_ = -1;
    std::array<char, 20> cached_prefix_{};
};

} // namespace kore_gateway
