#include "kore_gateway/log/logging.hpp"

#include <set>
#include <string>
#include <vector>

#include <boost/regex.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "kore_gateway/log/json_formatter.hpp"
#include "kore_gateway/util/regex.hpp"
#include "support/log_capture.hpp"

namespace kore_gateway {
namespace {

using nlohmann::json;
using testing::log_capture;

// setup_logging and set_log_level change process-wide state: every test leaves it as it was.
class logging_test : public ::testing::Test {
protected:
    void TearDown() override {
        spdlog::set_default_logger(previous_logger_);
        spdlog::set_level(previous_level_);
    }

private:
    std::shared_ptr<spdlog::logger> previous_logger_ = spdlog::default_logger();
    spdlog::level::level_enum previous_level_ = spdlog::default_logger()->level();
};

using json_format = logging_test;
using text_format = logging_test;

void use_json_format() {
    spdlog::default_logger()->set_formatter(std::make_unique<json_formatter>());
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    for (auto end = text.find('\n'); end != std::string::npos; end = text.find('\n', start)) {
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    EXPECT_EQ(start, text.size()) << "the last line has no end: " << text;
    return lines;
}

// Every line must be one JSON object on its own.
std::vector<json> json_lines(const std::string& text) {
    std::vector<json> objects;
    for (const auto& line : lines_of(text)) {
        EXPECT_TRUE(json::accept(line)) << line;
        if (json::accept(line)) {
            objects.push_back(json::parse(line));
            EXPECT_TRUE(objects.back().is_object()) << line;
        }
    }
    return objects;
}

std::set<std::string> keys_of(const json& object) {
    std::set<std::string> keys;
    for (const auto& item : object.items()) {
        keys.insert(item.key());
    }
    return keys;
}

const std::set<std::string> access_keys{"ts",          "level",      "msg",      "method",
                                        "path",        "route",      "status",   "bytes",
                                        "duration_us", "request_id", "trace_id", "error_id",
                                        "client",      "client_id",  "cache",    "upstream_ms"};

access_record bare_record() {
    return {.method = "GET",
            .path = "/catalog/products",
            .status = 200,
            .bytes = 512,
            .duration = std::chrono::microseconds(1234),
            .request_id = "r1",
            .error_id = "",
            .route = "products",
            .client_ip = "127.0.0.1"};
}

access_record full_record() {
    auto r = bare_record();
    r.status = 502;
    r.error_id = "e1";
    r.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    r.client_id = "web";
    r.cache = "STALE";
    r.upstream_ms = 12.5;
    return r;
}

std::string format_one(spdlog::details::log_msg msg) {
    json_formatter formatter;
    spdlog::memory_buf_t out;
    formatter.format(msg, out);
    return fmt::to_string(out);
}

TEST_F(json_format, a_plain_message_with_quotes_newlines_control_chars_and_bad_utf8_is_one_object) {
    log_capture logs;
    use_json_format();
    spdlog::warn("say \"hi\"\nnext\tline\x01 \\ bad \xff\xc3 end");
    spdlog::info("second {}", 2);
    const auto lines = json_lines(logs.text());
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(keys_of(lines[0]), (std::set<std::string>{"ts", "level", "msg"}));
    EXPECT_EQ(lines[0]["level"], "warn");
    EXPECT_EQ(lines[0]["msg"], "say \"hi\"\nnext\tline\x01 \\ bad \xef\xbf\xbd\xef\xbf\xbd end");
    EXPECT_EQ(lines[1]["level"], "info");
    EXPECT_EQ(lines[1]["msg"], "second 2");
}

TEST_F(json_format, ts_is_rfc3339_utc_with_milliseconds) {
    using std::chrono::milliseconds;
    using std::chrono::seconds;
    struct row {
        spdlog::log_clock::time_point time;
        std::string ts;
    };
    const spdlog::log_clock::time_point epoch{};
    const auto day = epoch + seconds(1796553279);
    // One formatter for all rows: the cached second must follow the clock.
    const std::vector<row> rows{
        {day + milliseconds(123), "2026-12-06T10:34:39.123Z"},
        {day + milliseconds(999) + std::chrono::microseconds(999), "2026-12-06T10:34:39.999Z"},
        {day + seconds(1), "2026-12-06T10:34:40.000Z"},
        {epoch + milliseconds(7), "1970-01-01T00:00:00.007Z"},
    };
    json_formatter formatter;
    for (const auto& r : rows) {
        spdlog::memory_buf_t out;
        formatter.format({r.time, {}, "x", spdlog::level::info, "m"}, out);
        EXPECT_EQ(json::parse(fmt::to_string(out))["ts"], r.ts);
    }
    log_capture logs;
    use_json_format();
    spdlog::info("now");
    const auto lines = json_lines(logs.text());
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_TRUE(boost::regex_match(
        lines[0]["ts"].get<std::string>(),
        boost::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)", ecmascript_regex_flags)))
        << lines[0];
}

TEST_F(json_format, level_names_are_the_contracts) {
    const std::vector<std::pair<spdlog::level::level_enum, std::string>> rows{
        {spdlog::level::trace, "trace"}, {spdlog::level::debug, "debug"},
        {spdlog::level::info, "info"},   {spdlog::level::warn, "warn"},
        {spdlog::level::err, "error"},   {spdlog::level::critical, "critical"},
    };
    for (const auto& [level, name] : rows) {
        EXPECT_EQ(json::parse(format_one({"x", level, "m"}))["level"], name);
    }
}

TEST_F(json_format, access_line_with_every_field_has_its_values_and_numbers) {
    log_capture logs;
    use_json_format();
    log_access(full_record());
    spdlog::info("after");
    const auto lines = json_lines(logs.text());
    ASSERT_EQ(lines.size(), 2u);
    const auto& line = lines[0];
    EXPECT_EQ(keys_of(line), access_keys);
    EXPECT_EQ(line["level"], "info");
    EXPECT_EQ(line["msg"], "access");
    EXPECT_EQ(line["method"], "GET");
    EXPECT_EQ(line["path"], "/catalog/products");
    EXPECT_EQ(line["route"], "products");
    EXPECT_TRUE(line["status"].is_number_unsigned());
    EXPECT_EQ(line["status"], 502);
    EXPECT_TRUE(line["bytes"].is_number_unsigned());
    EXPECT_EQ(line["bytes"], 512);
    EXPECT_TRUE(line["duration_us"].is_number_integer());
    EXPECT_EQ(line["duration_us"], 1234);
    EXPECT_EQ(line["request_id"], "r1");
    EXPECT_EQ(line["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
    EXPECT_EQ(line["error_id"], "e1");
    EXPECT_EQ(line["client"], "127.0.0.1");
    EXPECT_EQ(line["client_id"], "web");
    EXPECT_EQ(line["cache"], "STALE");
    EXPECT_TRUE(line["upstream_ms"].is_number_float());
    EXPECT_EQ(line["upstream_ms"], 12.5);
    // The record's fields stay with its own line.
    EXPECT_EQ(keys_of(lines[1]), (std::set<std::string>{"ts", "level", "msg"}));
    EXPECT_EQ(lines[1]["msg"], "after");
}

TEST_F(json_format, access_line_without_optional_fields_has_every_key_with_null) {
    log_capture logs;
    use_json_format();
    log_access(bare_record());
    const auto lines = json_lines(logs.text());
    ASSERT_EQ(lines.size(), 1u);
    const auto& line = lines[0];
    EXPECT_EQ(keys_of(line), access_keys);
    for (const auto* key : {"trace_id", "error_id", "client_id", "cache", "upstream_ms"}) {
        EXPECT_TRUE(line[key].is_null()) << key << ": " << line;
    }
    EXPECT_EQ(line["status"], 200);
    EXPECT_EQ(line["request_id"], "r1");
}

TEST_F(json_format, access_path_is_bounded_and_never_breaks_the_line) {
    log_capture logs;
    use_json_format();
    auto r = bare_record();
    const std::string path = "/\"x\n" + std::string(1000, 'a');
    r.path = path;
    log_access(r);
    const auto lines = json_lines(logs.text());
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0]["path"], path.substr(0, max_logged_path));
}

TEST_F(text_format, access_line_keeps_todays_fields_and_appends_the_new_ones) {
    struct row {
        access_record record;
        std::string line;
    };
    const std::vector<row> rows{
        {bare_record(), "access GET /catalog/products 200 bytes=512 duration_us=1234 "
                        "route=products request_id=r1 error_id=- client=127.0.0.1 trace_id=- "
                        "client_id=- cache=- upstream_ms=-"},
        {full_record(), "access GET /catalog/products 502 bytes=512 duration_us=1234 "
                        "route=products request_id=r1 error_id=e1 client=127.0.0.1 "
                        "trace_id=4bf92f3577b34da6a3ce929d0e0e4736 client_id=web cache=STALE "
                        "upstream_ms=12.500"},
    };
    for (const auto& r : rows) {
        log_capture logs;
        log_access(r.record);
        const auto lines = lines_of(logs.text());
        ASSERT_EQ(lines.size(), 1u);
        const auto at = lines[0].find("access ");
        ASSERT_NE(at, std::string::npos) << lines[0];
        EXPECT_EQ(lines[0].substr(at), r.line);
    }
}

TEST_F(text_format, access_path_is_bounded) {
    log_capture logs;
    auto r = bare_record();
    const std::string path = "/" + std::string(1000, 'a');
    r.path = path;
    log_access(r);
    const auto text = logs.text();
    EXPECT_NE(text.find(" " + path.substr(0, max_logged_path) + " 200 "), std::string::npos);
    EXPECT_EQ(text.find(path.substr(0, max_logged_path + 1)), std::string::npos);
}

TEST_F(logging_test, level_can_be_changed_after_setup) {
    setup_logging("warn", "json");
    EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::warn);
    set_log_level("debug");
    EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::debug);

    log_capture logs;
    set_log_level("error");
    spdlog::warn("hidden");
    log_access(bare_record());
    set_log_level("info");
    spdlog::info("shown");
    const auto text = logs.text();
    EXPECT_EQ(text.find("hidden"), std::string::npos) << text;
    EXPECT_EQ(text.find("access"), std::string::npos) << text;
    EXPECT_NE(text.find("shown"), std::string::npos) << text;
}

TEST_F(logging_test, unknown_levels_and_formats_are_refused_and_change_nothing) {
    setup_logging("info", "text");
    EXPECT_THROW(set_log_level("verbose"), std::invalid_argument);
    EXPECT_THROW(set_log_level("warning"), std::invalid_argument);
    EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::info);
    const auto logger = spdlog::default_logger();
    EXPECT_THROW(setup_logging("info", "xml"), std::invalid_argument);
    EXPECT_THROW(setup_logging("loud", "json"), std::invalid_argument);
    EXPECT_EQ(spdlog::default_logger(), logger);
}

TEST_F(logging_test, setup_writes_the_chosen_format_to_stderr) {
    ::testing::internal::CaptureStderr();
    setup_logging("info", "json");
    spdlog::info("as json");
    spdlog::default_logger()->flush();
    setup_logging("info", "text");
    spdlog::info("as text");
    spdlog::default_logger()->flush();
    const auto lines = lines_of(::testing::internal::GetCapturedStderr());
    ASSERT_EQ(lines.size(), 2u);
    ASSERT_TRUE(json::accept(lines[0])) << lines[0];
    EXPECT_EQ(json::parse(lines[0])["msg"], "as json");
    EXPECT_TRUE(boost::regex_match(
        lines[1], boost::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d info as text)",
                               ecmascript_regex_flags)))
        << lines[1];
}

} // namespace
} // namespace kore_gateway
