#include "kore_gateway/auth/form_encoding.hpp"

#include "kore_gateway/util/ascii.hpp"

namespace kore_gateway {

namespace {

bool is_unreserved(char c) {
    return is_ascii_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

void append_parameter(std::string& body, std::string_view name, std::string_view value) {
    if (!body.empty()) {
        body += '&';
    }
    body += name;
    body += '=';
    body += percent_encode(value);
}

} // namespace

std::string percent_encode(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size() * 3);
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (is_unreserved(ch)) {
            out += ch;
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0x0F];
        }
    }
    return out;
}

std::string make_token_request_body(const client_credentials& credentials) {
    std::string body;
    append_parameter(body, "grant_type", "client_credentials");
    if (!credentials.scope.empty()) {
        append_parameter(body, "scope", credentials.scope);
    }
    append_parameter(body, "client_id", credentials.client_id);
    append_parameter(body, "client_secret", credentials.client_secret);
    return body;
}

} // namespace kore_gateway
