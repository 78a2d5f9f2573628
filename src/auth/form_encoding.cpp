#include "kore_gateway/auth/form_encoding.hpp"

#include "kore_gateway/util/ascii.hpp"
#include "kore_gateway/util/base64.hpp"

namespace kore_gateway {

namespace {

bool is_unreserved(char c) {
    return is_ascii_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

std::string encode(std::string_view text, bool space_as_plus) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size() * 3);
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (is_unreserved(ch)) {
            out += ch;
        } else if (ch == ' ' && space_as_plus) {
            out += '+';
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0x0F];
        }
    }
    return out;
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
    return encode(text, false);
}

std::string form_urlencode(std::string_view text) {
    return encode(text, true);
}

std::string make_token_request_body(const client_credentials& credentials) {
    std::string body;
    append_parameter(body, "grant_type", "client_credentials");
    const auto unless_empty = [&body](std::string_view name, const std::string& value) {
        if (!value.empty()) {
            append_parameter(body, name, value);
        }
    };
    unless_empty("scope", credentials.scope);
    unless_empty("audience", credentials.audience);
    unless_empty("resource", credentials.resource);
    if (credentials.client_auth == client_auth_method::body) {
        append_parameter(body, "client_id", credentials.client_id);
        append_parameter(body, "client_secret", credentials.client_secret);
    }
    return body;
}

std::string basic_authorization(const client_credentials& credentials) {
    return "Basic " + base64_encode(form_urlencode(credentials.client_id) + ':' +
                                    form_urlencode(credentials.client_secret));
}

} // namespace kore_gateway
