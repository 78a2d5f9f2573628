#include "kore_gateway/http/wire_header.hpp"

#include <cstring>

namespace kore_gateway {
namespace {

constexpr std::string_view field_separator = ": ";
constexpr std::string_view line_end = "\r\n";
constexpr std::string_view date_name = "Date: ";
// "HTTP/1.1 200 " before the reason.
constexpr std::size_t status_prefix_size = 13;

char* put(char* at, std::string_view text) {
    std::memcpy(at, text.data(), text.size());
    return at + text.size();
}

char digit(unsigned value) {
    return static_cast<char>('0' + value % 10);
}

} // namespace

// Sized first, then written through a pointer: appending piece by piece checked the capacity and
// called memcpy some 40 times per answer (callgrind: ~900 instructions of a ~18,000-instruction
// cache hit).
void render_header(const http::response_header<>& header, std::string_view date, std::string& out) {
    const auto reason = header.reason();
    std::size_t size = status_prefix_size + reason.size() + line_end.size();
    for (const auto& field : header) {
        size += field.name_string().size() + field_separator.size() + field.value().size() +
                line_end.size();
    }
    if (!date.empty()) {
        size += date_name.size() + date.size() + line_end.size();
    }
    size += line_end.size();
    out.resize(size);

    const auto version = header.version();
    const auto code = header.result_int();
    char* at = put(out.data(), "HTTP/");
    *at++ = digit(version / 10);
    *at++ = '.';
    *at++ = digit(version);
    *at++ = ' ';
    *at++ = digit(code / 100);
    *at++ = digit(code / 10);
    *at++ = digit(code);
    *at++ = ' ';
    at = put(at, reason);
    at = put(at, line_end);
    for (const auto& field : header) {
        at = put(at, field.name_string());
        at = put(at, field_separator);
        at = put(at, field.value());
        at = put(at, line_end);
    }
    if (!date.empty()) {
        at = put(at, date_name);
        at = put(at, date);
        at = put(at, line_end);
    }
    put(at, line_end);
}

} // namespace kore_gateway
