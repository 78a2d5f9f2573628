// Captures everything logged through spdlog while it lives, so tests can check what the gateway
// logs (error ids present, secrets absent).
#pragma once

#include <memory>
#include <sstream>
#include <string>
#include <string_view>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "kore_gateway/log/json_formatter.hpp"

namespace kore_gateway::testing {

class log_capture {
public:
    // format: "text" (spdlog's default pattern) or "json" (the gateway's JSON lines).
    explicit log_capture(std::string_view format = "text") : previous_(spdlog::default_logger()) {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_);
        if (format == "json") {
            sink->set_formatter(std::make_unique<json_formatter>());
        }
        auto logger = std::make_shared<spdlog::logger>("capture", sink);
        logger->set_level(spdlog::level::trace);
        spdlog::set_default_logger(logger);
    }
    ~log_capture() { spdlog::set_default_logger(previous_); }
    log_capture(const log_capture&) = delete;
    log_capture& operator=(const log_capture&) = delete;

    std::string text() {
        spdlog::default_logger()->flush();
        return stream_.str();
    }

private:
    std::shared_ptr<spdlog::logger> previous_;
    std::ostringstream stream_;
};

} // namespace kore_gateway::testing
