#include "kore_gateway/http/wire_header.hpp"

namespace kore_gateway {
namespace {

void append_version(unsigned version, std::string& out) {
    out += "HTTP/";
    out += static_cast<char>('0' + version / 10);
    out += '.';
    out += static_cast<char>('0' + version % 10);
}

void append_fields(const http::fields& fields, std::string& out) {
    for (const auto& field : fields) {
        out += field.name_string();
        out += ": ";
        out += field.value();
        out += "\r\n";
    }
}

} // namespace

void render_header(const http::response_header<>& header, std::string_view date, std::string& out) {
    const auto code = header.result_int();
    out.clear();
    append_version(header.version(), out);
    out += ' ';
    out += static_cast<char>('0' + code / 100);
    out += static_cast<char>('0' + (code / 10) % 10);
    out += static_cast<char>('0' + code % 10);
    out += ' ';
    out += header.reason();
    out += "\r\n";
    append_fields(header, out);
    if (!date.empty()) {
        out += "Date: ";
        out += date;
        out += "\r\n";
    }
    out += "\r\n";
}

} // namespace kore_gateway
